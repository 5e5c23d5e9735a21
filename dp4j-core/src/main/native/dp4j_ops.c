/*
 * dp4j's native TensorFlow op Dp4jConv2DUnitSquaredNorms: each clipping unit's squared norm of its
 * kernel gradient of a 2-D convolution, the one DP-specific product TensorFlow has no kernel for
 * (it has the gradient summed over the batch, Conv2DBackpropFilter, and nothing per example). The
 * clipped sum stays TensorFlow's Conv2DBackpropFilter of the clip-scaled output gradients.
 *
 *   x:     [n, k, h, w, c] float, the layer's input for each of the n units' k examples
 *   grad:  [n, k, h', w', f] float, the loss's gradient with respect to the layer's output
 *   norms: [n] double, unit u's sum of squares of its gradient entries
 *   rows:  [n, kh*kw*c*f] float with the attribute materialize true (else [0, kh*kw*c*f]), the entries
 *          themselves in the kernel's (p, q, ch, filter) order, for a clipped sum that weights them
 *          D[p, q, ch, filter] = sum over its k examples and output positions (i, j) of
 *          x_pad[i*sh + p, j*sw + q, ch] * grad[i, j, filter]
 *
 * x_pad is x with pad_top rows and pad_left columns of zeros before it and zeros after it where a
 * tap reaches past it: TensorFlow's SAME and VALID paddings. Each D entry is a float32 sum, as the
 * rows TensorFlow's ops would give, and its square is added in float64, so the norm is the float32
 * gradient's exact squared norm up to float64 round-off, the clipping rules' contract. A NaN or an
 * infinity in grad reaches every entry of its filter (x * inf is inf or NaN) and the norm is not
 * finite; a float32 entry that overflows is infinite: both give the unit clip factor 0.
 *
 * Built against TensorFlow's stable C kernel API (tensorflow/c/kernels.h, ops.h), whose functions
 * TensorFlow Java's libtensorflow_framework exports. The library registers the op and its CPU
 * kernel when TensorFlow.loadLibrary opens it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct TF_Status TF_Status;
typedef struct TF_Tensor TF_Tensor;
typedef struct TF_OpKernelConstruction TF_OpKernelConstruction;
typedef struct TF_OpKernelContext TF_OpKernelContext;
typedef struct TF_KernelBuilder TF_KernelBuilder;
typedef struct TF_OpDefinitionBuilder TF_OpDefinitionBuilder;
typedef struct TF_ShapeInferenceContext TF_ShapeInferenceContext;

enum { TF_OK = 0, TF_INVALID_ARGUMENT = 3, TF_RESOURCE_EXHAUSTED = 8 };
enum { TF_FLOAT = 1, TF_DOUBLE = 2 };

/*
 * TensorFlow Java loads libtensorflow_framework.so.2 privately (RTLD_LOCAL), so its symbols are
 * taken from the loaded library by name when this library is opened instead of at link time; the
 * build then needs no TensorFlow binary either.
 */
#define TF_FUNCTIONS(X)                                                                         \
  X(TF_Status*, TF_NewStatus, (void))                                                           \
  X(void, TF_DeleteStatus, (TF_Status*))                                                        \
  X(int, TF_GetCode, (const TF_Status*))                                                        \
  X(const char*, TF_Message, (const TF_Status*))                                                \
  X(void, TF_SetStatus, (TF_Status*, int, const char*))                                         \
  X(void*, TF_TensorData, (const TF_Tensor*))                                                   \
  X(int, TF_NumDims, (const TF_Tensor*))                                                        \
  X(int64_t, TF_Dim, (const TF_Tensor*, int))                                                   \
  X(void, TF_DeleteTensor, (TF_Tensor*))                                                        \
  X(TF_OpDefinitionBuilder*, TF_NewOpDefinitionBuilder, (const char*))                          \
  X(void, TF_OpDefinitionBuilderAddInput, (TF_OpDefinitionBuilder*, const char*))               \
  X(void, TF_OpDefinitionBuilderAddOutput, (TF_OpDefinitionBuilder*, const char*))              \
  X(void, TF_OpDefinitionBuilderAddAttr, (TF_OpDefinitionBuilder*, const char*))                \
  X(void, TF_OpDefinitionBuilderSetShapeInferenceFunction,                                      \
    (TF_OpDefinitionBuilder*, void (*)(TF_ShapeInferenceContext*, TF_Status*)))                 \
  X(void, TF_ShapeInferenceContextSetUnknownShape, (TF_ShapeInferenceContext*, TF_Status*))     \
  X(void, TF_RegisterOpDefinition, (TF_OpDefinitionBuilder*, TF_Status*))                       \
  X(TF_KernelBuilder*, TF_NewKernelBuilder,                                                     \
    (const char*, const char*, void* (*)(TF_OpKernelConstruction*),                             \
     void (*)(void*, TF_OpKernelContext*), void (*)(void*)))                                    \
  X(void, TF_RegisterKernelBuilder, (const char*, TF_KernelBuilder*, TF_Status*))               \
  X(void, TF_OpKernelConstruction_GetAttrBool,                                                  \
    (TF_OpKernelConstruction*, const char*, unsigned char*, TF_Status*))                        \
  X(void, TF_OpKernelConstruction_GetAttrInt64,                                                 \
    (TF_OpKernelConstruction*, const char*, int64_t*, TF_Status*))                              \
  X(void, TF_OpKernelConstruction_Failure, (TF_OpKernelConstruction*, TF_Status*))              \
  X(void, TF_GetInput, (TF_OpKernelContext*, int, TF_Tensor**, TF_Status*))                     \
  X(TF_Tensor*, TF_AllocateOutput,                                                              \
    (TF_OpKernelContext*, int, int, const int64_t*, int, size_t, TF_Status*))                   \
  X(void, TF_OpKernelContext_Failure, (TF_OpKernelContext*, TF_Status*))

#define DECLARE(result, name, parameters) static result(*name) parameters;
TF_FUNCTIONS(DECLARE)

/* Returns NULL, or the name of the first function the loaded TensorFlow does not have. */
static const char* resolve_tensorflow(void) {
  void* tf = dlopen("libtensorflow_framework.so.2", RTLD_NOW | RTLD_NOLOAD);
  if (!tf) return "libtensorflow_framework.so.2 (not loaded)";
#define RESOLVE(result, name, parameters)                         \
  *(void**)(&name) = dlsym(tf, #name);                            \
  if (!name) return #name;
  TF_FUNCTIONS(RESOLVE)
  return NULL;
}

#define OP_NAME "Dp4jConv2DUnitSquaredNorms"
#define LANES 16
/* output gradients are padded to a multiple of 16 filters, kernel entries to one of the largest
 * block (2 * 8) */
#define KPAD_MULTIPLE 16

typedef float v16 __attribute__((vector_size(16 * sizeof(float))));
typedef float v8 __attribute__((vector_size(8 * sizeof(float))));
typedef float v4 __attribute__((vector_size(4 * sizeof(float))));

typedef struct {
  int64_t kh, kw, sh, sw, pad_top, pad_left;
  unsigned char rows;
} Attrs;

typedef struct {
  const Attrs* attrs;
  const float* x;
  const float* grad;
  double* norms;
  float* rows; /* NULL unless the rows are asked for */
  int64_t group, h, w, c, ho, wo, f, units;
  int64_t* next; /* the next unit no thread has taken yet, shared by the op's threads */
  int failed;
} Work;

static void* create(TF_OpKernelConstruction* ctx) {
  Attrs* a = calloc(1, sizeof(Attrs));
  TF_Status* s = TF_NewStatus();
  const char* names[] = {"kh", "kw", "sh", "sw", "pad_top", "pad_left"};
  int64_t* fields[] = {&a->kh, &a->kw, &a->sh, &a->sw, &a->pad_top, &a->pad_left};
  for (int i = 0; i < 6 && TF_GetCode(s) == TF_OK; i++) {
    TF_OpKernelConstruction_GetAttrInt64(ctx, names[i], fields[i], s);
  }
  if (TF_GetCode(s) == TF_OK) TF_OpKernelConstruction_GetAttrBool(ctx, "materialize", &a->rows, s);
  if (TF_GetCode(s) == TF_OK &&
      (a->kh < 1 || a->kw < 1 || a->sh < 1 || a->sw < 1 || a->pad_top < 0 || a->pad_left < 0)) {
    TF_SetStatus(s, TF_INVALID_ARGUMENT, OP_NAME ": kh, kw, sh and sw must be >= 1, paddings >= 0");
  }
  if (TF_GetCode(s) != TF_OK) {
    TF_OpKernelConstruction_Failure(ctx, s);
  }
  TF_DeleteStatus(s);
  return a;
}

static void destroy(void* attrs) { free(attrs); }

/* Copies unit u's inputs, zero-padded, to xp ([k][hp][wp][c]) and its output gradients to gp
 * ([k][h'*w'][fp], filters zero-padded to fp, a multiple of 16). */
static void copy_unit(const Work* wk, int64_t u, float* xp, float* gp) {
  const Attrs* a = wk->attrs;
  int64_t c = wk->c, f = wk->f, h = wk->h, w = wk->w;
  int64_t hp = (wk->ho - 1) * a->sh + a->kh, wp = (wk->wo - 1) * a->sw + a->kw;
  int64_t fp = (f + LANES - 1) / LANES * LANES, positions = wk->ho * wk->wo;
  memset(xp, 0, sizeof(float) * wk->group * hp * wp * c);
  memset(gp, 0, sizeof(float) * wk->group * positions * fp);
  for (int64_t e = 0; e < wk->group; e++) {
    int64_t n = u * wk->group + e;
    for (int64_t i = 0; i < h && i + a->pad_top < hp; i++) {
      int64_t columns = w + a->pad_left < wp ? w : wp - a->pad_left;
      memcpy(xp + ((e * hp + i + a->pad_top) * wp + a->pad_left) * c,
             wk->x + ((n * h + i) * w) * c, sizeof(float) * columns * c);
    }
    for (int64_t t = 0; t < positions; t++) {
      memcpy(gp + (e * positions + t) * fp, wk->grad + (n * positions + t) * f, sizeof(float) * f);
    }
  }
}

/* The unit's sum of squares from copy_unit's buffers, one variant per instruction set, each with
 * as many accumulators as its vector registers hold (dp4j_sums.h). */
typedef double (*Sums)(const Work*, const float*, const float*, const int64_t*, const int64_t*,
                       float*);

#define SUMS_NAME sums_avx512
#define SUMS_TARGET "arch=x86-64-v4"
#define VL 16
#define VEC v16
#define KB 8
#include "dp4j_sums.h"
#define SUMS_NAME sums_avx2
#define SUMS_TARGET "arch=x86-64-v3"
#define VL 8
#define VEC v8
#define KB 4
#include "dp4j_sums.h"
#define SUMS_NAME sums_sse2
#define SUMS_TARGET "arch=x86-64"
#define VL 4
#define VEC v4
#define KB 4
#include "dp4j_sums.h"

static Sums sums = sums_sse2;

static void choose_sums(void) {
  __builtin_cpu_init();
  const char* forced = getenv("DP4J_NATIVE_ISA"); /* tests: run a smaller variant on a larger CPU */
  int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (forced && strcmp(forced, "sse2") == 0) {
    avx512 = avx2 = 0;
  } else if (forced && strcmp(forced, "avx2") == 0) {
    avx512 = 0;
  }
  sums = avx512 ? sums_avx512 : avx2 ? sums_avx2 : sums_sse2;
}

static void* run_units(void* arg) {
  Work* wk = arg;
  const Attrs* a = wk->attrs;
  int64_t c = wk->c, ho = wk->ho, wo = wk->wo;
  int64_t hp = (ho - 1) * a->sh + a->kh, wp = (wo - 1) * a->sw + a->kw;
  int64_t fp = (wk->f + LANES - 1) / LANES * LANES, positions = ho * wo;
  int64_t k = a->kh * a->kw * c, kpad = (k + KPAD_MULTIPLE - 1) / KPAD_MULTIPLE * KPAD_MULTIPLE;
  float* xp = aligned_alloc(64, ((sizeof(float) * wk->group * hp * wp * c) + 63) / 64 * 64);
  float* gp = aligned_alloc(64, sizeof(float) * wk->group * positions * fp);
  int64_t* base = malloc(sizeof(int64_t) * positions);
  int64_t* off = malloc(sizeof(int64_t) * kpad);
  if (!xp || !gp || !base || !off) {
    wk->failed = 1;
  } else {
    for (int64_t i = 0; i < ho; i++)
      for (int64_t j = 0; j < wo; j++) base[i * wo + j] = (i * a->sh * wp + j * a->sw) * c;
    for (int64_t q = 0; q < kpad; q++) {
      /* entries past the kernel read a valid element; their squares are never added */
      int64_t r = q < k ? q : 0;
      int64_t p = r / (a->kw * c), s = r / c % a->kw, ch = r % c;
      off[q] = (p * wp + s) * c + ch;
    }
    for (int64_t u; (u = __atomic_fetch_add(wk->next, 1, __ATOMIC_RELAXED)) < wk->units;) {
      copy_unit(wk, u, xp, gp);
      float* row = wk->rows ? wk->rows + u * a->kh * a->kw * c * wk->f : NULL;
      wk->norms[u] = sums(wk, xp, gp, base, off, row);
    }
  }
  free(xp);
  free(gp);
  free(base);
  free(off);
  return NULL;
}

static int threads_available(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
  }
  return 1;
}

/*
 * Runs the units on one thread per available CPU, each taking the next unit not yet taken, so that a
 * thread whose CPU is busy with another of the step's ops (the tutorial CNN's input gradient runs
 * beside its norms) takes fewer units instead of holding the others up; returns nonzero when a
 * buffer failed. Each unit's result is computed the same way whichever thread takes it.
 */
static int run_all(const Work* proto) {
  int n = threads_available();
  if (n > proto->units) n = (int)proto->units;
  if (n < 1) return 0;
  Work* work = calloc(n, sizeof(Work));
  pthread_t* threads = calloc(n, sizeof(pthread_t));
  int* started = calloc(n, sizeof(int));
  if (!work || !threads || !started) {
    free(work);
    free(threads);
    free(started);
    return 1;
  }
  int64_t next = 0;
  for (int i = 0; i < n; i++) {
    work[i] = *proto;
    work[i].next = &next;
  }
  for (int i = 1; i < n; i++) started[i] = pthread_create(&threads[i], NULL, run_units, &work[i]) == 0;
  run_units(&work[0]);
  int failed = work[0].failed;
  for (int i = 1; i < n; i++) {
    if (started[i]) {
      pthread_join(threads[i], NULL);
    } else {
      run_units(&work[i]);
    }
    failed |= work[i].failed;
  }
  free(work);
  free(threads);
  free(started);
  return failed;
}

static void compute(void* attrs, TF_OpKernelContext* ctx) {
  const Attrs* a = attrs;
  TF_Status* s = TF_NewStatus();
  TF_Tensor* x = NULL;
  TF_Tensor* grad = NULL;
  TF_Tensor* norms = NULL;
  TF_Tensor* rows = NULL;
  char message[256];
  TF_GetInput(ctx, 0, &x, s);
  if (TF_GetCode(s) == TF_OK) TF_GetInput(ctx, 1, &grad, s);
  if (TF_GetCode(s) != TF_OK) goto done;
  if (TF_NumDims(x) != 5 || TF_NumDims(grad) != 5 || TF_Dim(x, 0) != TF_Dim(grad, 0) ||
      TF_Dim(x, 1) != TF_Dim(grad, 1)) {
    TF_SetStatus(s, TF_INVALID_ARGUMENT,
                 OP_NAME ": x [n, k, h, w, c] and grad [n, k, h', w', f] need the same n and k");
    goto done;
  }
  Work proto = {.attrs = a, .x = TF_TensorData(x), .grad = TF_TensorData(grad),
                .units = TF_Dim(x, 0), .group = TF_Dim(x, 1), .h = TF_Dim(x, 2), .w = TF_Dim(x, 3),
                .c = TF_Dim(x, 4), .ho = TF_Dim(grad, 2), .wo = TF_Dim(grad, 3),
                .f = TF_Dim(grad, 4)};
  int empty = proto.units == 0 || proto.group == 0;
  if (!empty && (proto.ho < 1 || proto.wo < 1 || (proto.ho - 1) * a->sh + a->kh < a->pad_top ||
                 (proto.wo - 1) * a->sw + a->kw < a->pad_left)) {
    snprintf(message, sizeof(message), OP_NAME ": output %lldx%lld does not fit the input",
             (long long)proto.ho, (long long)proto.wo);
    TF_SetStatus(s, TF_INVALID_ARGUMENT, message);
    goto done;
  }
  int64_t dims[1] = {proto.units};
  norms = TF_AllocateOutput(ctx, 0, TF_DOUBLE, dims, 1, sizeof(double) * proto.units, s);
  if (TF_GetCode(s) != TF_OK) goto done;
  proto.norms = TF_TensorData(norms);
  int64_t size = a->kh * a->kw * proto.c * proto.f;
  int64_t row_dims[2] = {a->rows ? proto.units : 0, size};
  rows = TF_AllocateOutput(ctx, 1, TF_FLOAT, row_dims, 2, sizeof(float) * row_dims[0] * size, s);
  if (TF_GetCode(s) != TF_OK) goto done;
  proto.rows = a->rows ? TF_TensorData(rows) : NULL;
  /* a unit of no examples has the zero gradient */
  if (empty) {
    memset(proto.norms, 0, sizeof(double) * proto.units);
    if (proto.rows) memset(proto.rows, 0, sizeof(float) * proto.units * size);
  } else if (run_all(&proto)) {
    TF_SetStatus(s, TF_RESOURCE_EXHAUSTED, OP_NAME ": out of memory for a unit's buffers");
  }
done:
  if (TF_GetCode(s) != TF_OK) TF_OpKernelContext_Failure(ctx, s);
  TF_DeleteTensor(x);
  TF_DeleteTensor(grad);
  TF_DeleteTensor(norms);
  TF_DeleteTensor(rows);
  TF_DeleteStatus(s);
}

/* The graph builder gives the outputs their shapes itself. */
static void unknown_shape(TF_ShapeInferenceContext* ctx, TF_Status* s) {
  TF_ShapeInferenceContextSetUnknownShape(ctx, s);
}

__attribute__((constructor)) static void register_op(void) {
  const char* missing = resolve_tensorflow();
  if (missing) {
    fprintf(stderr, "dp4j: %s not found in TensorFlow; " OP_NAME " is not registered\n", missing);
    return;
  }
  choose_sums();
  TF_Status* s = TF_NewStatus();
  TF_OpDefinitionBuilder* op = TF_NewOpDefinitionBuilder(OP_NAME);
  TF_OpDefinitionBuilderAddInput(op, "x: float");
  TF_OpDefinitionBuilderAddInput(op, "grad: float");
  TF_OpDefinitionBuilderAddOutput(op, "norms: double");
  TF_OpDefinitionBuilderAddOutput(op, "rows: float");
  TF_OpDefinitionBuilderAddAttr(op, "materialize: bool = false");
  const char* attrs[] = {"kh: int", "kw: int", "sh: int", "sw: int", "pad_top: int", "pad_left: int"};
  for (int i = 0; i < 6; i++) TF_OpDefinitionBuilderAddAttr(op, attrs[i]);
  TF_OpDefinitionBuilderSetShapeInferenceFunction(op, unknown_shape);
  TF_RegisterOpDefinition(op, s);
  if (TF_GetCode(s) == TF_OK) {
    TF_KernelBuilder* kernel = TF_NewKernelBuilder(OP_NAME, "CPU", create, compute, destroy);
    TF_RegisterKernelBuilder(OP_NAME "Cpu", kernel, s);
  }
  if (TF_GetCode(s) != TF_OK) fprintf(stderr, "dp4j: %s\n", TF_Message(s));
  TF_DeleteStatus(s);
}
