package io.dp4j.io.keras;

import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.ParameterSpec;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Weights in Keras' HDF5 layouts, read and written with jhdf. */
final class KerasWeights {
  private KerasWeights() {}

  /** A named parameter-holding layer of the model, with its specs. */
  private record Target(String name, List<ParameterSpec> specs) {}

  // ------------------------------------------------------------ legacy (Keras 2) HDF5

  /**
   * Reads weights from a legacy group holding {@code layer_names} (a full model's {@code
   * model_weights}, or the root of a {@code save_weights} file). As Keras does, layers with weights
   * are matched in order.
   *
   * @return the weights in the order of {@code Sequential.getWeights()}
   */
  static List<float[]> readLegacy(Group group, List<Layer> layers, List<String> names, long[] in) {
    List<String> layerNames = strings(group, "layer_names", group.getPath());
    List<String> fileLayers = new ArrayList<>();
    List<List<Dataset>> fileWeights = new ArrayList<>();
    for (String layerName : layerNames) {
      Node node = group.getChild(layerName);
      if (!(node instanceof Group g)) {
        throw new KerasFormatException(
            "layer_names lists " + layerName + " but " + group.getPath() + " has no such group");
      }
      List<String> weightNames = strings(g, "weight_names", g.getPath());
      if (weightNames.isEmpty()) {
        continue;
      }
      List<Dataset> datasets = new ArrayList<>();
      for (String w : weightNames) {
        Node d = g.getByPath(w);
        if (!(d instanceof Dataset ds)) {
          throw new KerasFormatException(
              "weight " + w + " of layer " + layerName + " is listed but missing from the file");
        }
        datasets.add(ds);
      }
      fileLayers.add(layerName);
      fileWeights.add(datasets);
    }
    List<Target> targets = targets(layers, names, in);
    if (targets.size() != fileLayers.size()) {
      throw new KerasFormatException(
          "the file has weights for "
              + fileLayers.size()
              + " layers "
              + fileLayers
              + " but the model has "
              + targets.size()
              + " layers with weights "
              + targets.stream().map(Target::name).toList());
    }
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      out.addAll(values(targets.get(i), fileWeights.get(i), fileLayers.get(i)));
    }
    return out;
  }

  // ------------------------------------------------------------ Keras 3 model.weights.h5

  /**
   * Reads a Keras 3 weights file: {@code layers/<name>/vars/<i>}, {@code <name>} derived from each
   * layer's class ({@code dense}, {@code dense_1}, ...).
   */
  static List<float[]> readKeras3(
      HdfFile file, List<KerasModelConfig.KerasLayer> kerasLayers, List<Layer> layers, long[] in) {
    Node layersNode = file.getChild("layers");
    if (!(layersNode instanceof Group layersGroup)) {
      if (file.getChild("_layer_checkpoint_dependencies") != null) {
        throw new KerasFormatException(
            "model.weights.h5 uses the Keras 2.13 zip layout (_layer_checkpoint_dependencies);"
                + " dp4j reads Keras 3 .keras files: re-save the model with Keras 3, or as .h5");
      }
      throw new KerasFormatException("model.weights.h5 has no 'layers' group");
    }
    List<List<ParameterSpec>> specs = KerasModelConfig.parameterSpecs(layers, in);
    Map<String, Integer> used = new HashMap<>();
    Set<String> matched = new HashSet<>();
    List<float[]> out = new ArrayList<>();
    for (KerasModelConfig.KerasLayer k : kerasLayers) {
      String base = KerasModelConfig.snakeCase(k.className());
      Integer n = used.get(base);
      String path = n == null ? base : base + "_" + (n + 1);
      used.put(base, n == null ? 0 : n + 1);
      matched.add(path);
      List<Dataset> vars = vars(layersGroup.getChild(path), path);
      if (k.paramLayer() < 0) {
        if (!vars.isEmpty()) {
          throw new KerasFormatException(
              "layer "
                  + k.name()
                  + " ("
                  + k.className()
                  + ") has no weights, but layers/"
                  + path
                  + " holds "
                  + vars.size());
        }
        continue;
      }
      Target t = new Target(k.name(), specs.get(k.paramLayer()));
      out.addAll(values(t, vars, "layers/" + path));
    }
    for (String child : layersGroup.getChildren().keySet()) {
      if (!matched.contains(child) && !vars(layersGroup.getChild(child), child).isEmpty()) {
        throw new KerasFormatException(
            "model.weights.h5 holds weights at layers/" + child + " for no layer of the config");
      }
    }
    return out;
  }

  private static List<Dataset> vars(Node layer, String path) {
    if (layer == null) {
      return List.of();
    }
    if (!(layer instanceof Group g)) {
      throw new KerasFormatException("layers/" + path + " is not a group");
    }
    Node vars = g.getChild("vars");
    if (vars == null) {
      return List.of();
    }
    if (!(vars instanceof Group vg)) {
      throw new KerasFormatException("layers/" + path + "/vars is not a group");
    }
    List<Dataset> out = new ArrayList<>();
    for (int i = 0; i < vg.getChildren().size(); i++) {
      Node d = vg.getChild(String.valueOf(i));
      if (!(d instanceof Dataset ds)) {
        throw new KerasFormatException(
            "layers/"
                + path
                + "/vars has no dataset "
                + i
                + " (children "
                + vg.getChildren().keySet()
                + ")");
      }
      out.add(ds);
    }
    return out;
  }

  /** Writes the Keras 3 layout for {@code model}. */
  static void writeKeras3(Path file, KerasModel model) {
    List<Layer> layers = model.sequential().layers();
    List<List<ParameterSpec>> specs = KerasModelConfig.parameterSpecs(layers, model.inputShape());
    List<float[]> weights = model.sequential().getWeights();
    try (WritableHdfFile h = HdfFile.write(file)) {
      WritableGroup layersGroup = h.putGroup("layers");
      Map<String, Integer> used = new HashMap<>();
      int w = 0;
      for (int l = 0; l < layers.size(); l++) {
        String base = KerasModelConfig.snakeCase(ModelIO.CODECS.kerasClassName(layers.get(l)));
        Integer n = used.get(base);
        String path = n == null ? base : base + "_" + (n + 1);
        used.put(base, n == null ? 0 : n + 1);
        WritableGroup vars = layersGroup.putGroup(path).putGroup("vars");
        List<ParameterSpec> layerSpecs = specs.get(l);
        for (int i = 0; i < layerSpecs.size(); i++) {
          vars.putDataset(String.valueOf(i), shaped(weights.get(w++), layerSpecs.get(i).shape()));
        }
      }
      h.putGroup("vars");
      // jhdf 0.9/0.10 append their "_jHDF" note at the end of the last dataset's data, over any
      // group header written after it: a trailing empty group ("vars", or a weightless layer's
      // "vars") would be overwritten. "dp4j" is iterated last among the root's children (jhdf keeps
      // them in a ConcurrentHashMap), so its dataset ends the file; verify() checks the result.
      h.putGroup("dp4j").putDataset("format_version", new int[] {1});
    }
    verify(file, layers, specs, weights);
  }

  /** Re-reads a written weights file: every group opens and every weight is as written. */
  private static void verify(
      Path file, List<Layer> layers, List<List<ParameterSpec>> specs, List<float[]> weights) {
    try (HdfFile h = new HdfFile(file)) {
      Map<String, Integer> used = new HashMap<>();
      int w = 0;
      for (int l = 0; l < layers.size(); l++) {
        String base = KerasModelConfig.snakeCase(ModelIO.CODECS.kerasClassName(layers.get(l)));
        Integer n = used.get(base);
        String path = n == null ? base : base + "_" + (n + 1);
        used.put(base, n == null ? 0 : n + 1);
        Node vars = h.getByPath("layers/" + path + "/vars");
        if (!(vars instanceof Group g) || g.getChildren().size() != specs.get(l).size()) {
          throw new IllegalStateException("layers/" + path + "/vars was not written as expected");
        }
        for (int i = 0; i < specs.get(l).size(); i++) {
          if (!Arrays.equals(floats((Dataset) g.getChild(String.valueOf(i))), weights.get(w++))) {
            throw new IllegalStateException("layers/" + path + "/vars/" + i + " reads back wrong");
          }
        }
      }
      if (!(h.getChild("vars") instanceof Group)) {
        throw new IllegalStateException("the root vars group was not written");
      }
    } catch (RuntimeException e) {
      throw new KerasFormatException(
          "the HDF5 writer (jhdf) produced a weights file that does not read back: "
              + e.getMessage(),
          e);
    }
  }

  /** A Java array of {@code shape} holding {@code flat} row-major (jhdf writes its dimensions). */
  private static Object shaped(float[] flat, long[] shape) {
    if (shape.length <= 1) {
      return flat.clone();
    }
    int[] dims = Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
    Object array = Array.newInstance(float.class, dims);
    fill(array, dims, 0, flat, new int[] {0});
    return array;
  }

  private static void fill(Object array, int[] dims, int axis, float[] flat, int[] pos) {
    if (axis == dims.length - 1) {
      float[] row = (float[]) array;
      System.arraycopy(flat, pos[0], row, 0, row.length);
      pos[0] += row.length;
      return;
    }
    for (int i = 0; i < dims[axis]; i++) {
      fill(Array.get(array, i), dims, axis + 1, flat, pos);
    }
  }

  // ------------------------------------------------------------ common

  private static List<Target> targets(List<Layer> layers, List<String> names, long[] in) {
    List<List<ParameterSpec>> specs = KerasModelConfig.parameterSpecs(layers, in);
    List<Target> targets = new ArrayList<>();
    for (int l = 0; l < layers.size(); l++) {
      if (!specs.get(l).isEmpty()) {
        targets.add(new Target(names.get(l), specs.get(l)));
      }
    }
    return targets;
  }

  private static List<float[]> values(Target target, List<Dataset> datasets, String where) {
    if (datasets.size() != target.specs().size()) {
      throw new KerasFormatException(
          "layer "
              + target.name()
              + " needs "
              + target.specs().size()
              + " weights "
              + target.specs()
              + " but "
              + where
              + " has "
              + datasets.size());
    }
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < datasets.size(); i++) {
      Dataset d = datasets.get(i);
      ParameterSpec spec = target.specs().get(i);
      long[] fileShape = Arrays.stream(d.getDimensions()).asLongStream().toArray();
      if (!Arrays.equals(fileShape, spec.shape())) {
        throw new KerasFormatException(
            "layer "
                + target.name()
                + ": weight "
                + spec.name()
                + " has shape "
                + Arrays.toString(fileShape)
                + " in the file ("
                + d.getPath()
                + ") but the model needs "
                + Arrays.toString(spec.shape()));
      }
      out.add(floats(d));
    }
    return out;
  }

  private static float[] floats(Dataset d) {
    Object data = d.getDataFlat();
    if (data instanceof float[] f) {
      return f;
    }
    if (data instanceof double[] values) {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) values[i];
      }
      return f;
    }
    throw new KerasFormatException(
        "weight " + d.getPath() + " has type " + d.getJavaType() + "; dp4j reads float32/float64");
  }

  /** A string-array attribute (an empty numeric array, as Keras 2.3 writes, is an empty list). */
  static List<String> strings(Node node, String attribute, String where) {
    Attribute a = node.getAttribute(attribute);
    if (a == null) {
      throw new KerasFormatException(where + " has no '" + attribute + "' attribute");
    }
    if (a.isEmpty()) {
      return List.of();
    }
    Object data = a.getData();
    if (data instanceof String s) {
      return List.of(s);
    }
    if (data instanceof String[] s) {
      return List.of(s);
    }
    if (data != null && data.getClass().isArray() && Array.getLength(data) == 0) {
      return List.of();
    }
    throw new KerasFormatException(
        where
            + " attribute '"
            + attribute
            + "' is not a list of strings ("
            + a.getJavaType()
            + ")");
  }

  /** A string attribute, or null if absent. */
  static String string(Node node, String attribute) {
    Attribute a = node.getAttribute(attribute);
    if (a == null) {
      return null;
    }
    Object data = a.getData();
    if (data instanceof String s) {
      return s;
    }
    throw new KerasFormatException(
        node.getPath()
            + " attribute '"
            + attribute
            + "' is not a string ("
            + a.getJavaType()
            + ")");
  }
}
