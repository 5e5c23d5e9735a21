package io.dp4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The one place where dp4j's numeric options are parsed (issue 19, C.7/C.8): every number a command
 * takes is a count, a size, a rate, a norm, a scale or a privacy parameter, so by default a
 * floating-point option must be finite and &gt; 0 and an integer option &gt;= 1. The few options
 * with another range name their converter here ({@link NonNegativeInt}, {@link NonNegativeLong},
 * {@link AnyLong}, {@link Fraction}). A refused value ends the command before it starts, with exit
 * 2 and "Invalid value for option '--x': ..." saying what is allowed.
 */
final class NumberOptions {
  private NumberOptions() {}

  /** Registers the defaults on {@code cli} and every subcommand it holds. */
  static CommandLine register(CommandLine cli) {
    cli.registerConverter(Double.class, PositiveDouble::parse);
    cli.registerConverter(double.class, PositiveDouble::parse);
    cli.registerConverter(Float.class, v -> (float) PositiveDouble.parseFloat(v));
    cli.registerConverter(float.class, v -> (float) PositiveDouble.parseFloat(v));
    cli.registerConverter(Integer.class, v -> (int) atLeast(v, 1, Integer.MAX_VALUE));
    cli.registerConverter(int.class, v -> (int) atLeast(v, 1, Integer.MAX_VALUE));
    cli.registerConverter(Long.class, v -> atLeast(v, 1, Long.MAX_VALUE));
    cli.registerConverter(long.class, v -> atLeast(v, 1, Long.MAX_VALUE));
    return cli;
  }

  /** A finite number &gt; 0 (NaN, Infinity, 0 and negatives refused). */
  static final class PositiveDouble implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      return parse(value);
    }

    static double parse(String value) {
      double x = number(value);
      if (!(x > 0) || !Double.isFinite(x)) {
        throw new TypeConversionException(
            "'" + value + "' is not allowed: give a finite number > 0");
      }
      return x;
    }

    /** As {@link #parse}, and also finite and &gt; 0 once rounded to float32. */
    static float parseFloat(String value) {
      double x = parse(value);
      float f = (float) x;
      if (!(f > 0) || !Float.isFinite(f)) {
        throw new TypeConversionException(
            "'" + value + "' is not allowed: give a number in [1.4e-45, 3.4e38] (float32, > 0)");
      }
      return f;
    }
  }

  /** A finite number in [0, 1): a fraction of the rows. */
  static final class Fraction implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      double x = number(value);
      if (!(x >= 0 && x < 1)) {
        throw new TypeConversionException(
            "'" + value + "' is not allowed: give a number in [0, 1)");
      }
      return x;
    }
  }

  /** An integer &gt;= 0 (a count where 0 means none or "off"). */
  static final class NonNegativeInt implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return (int) atLeast(value, 0, Integer.MAX_VALUE);
    }
  }

  /** A long &gt;= 0. */
  static final class NonNegativeLong implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return atLeast(value, 0, Long.MAX_VALUE);
    }
  }

  /** Any long: a seed. */
  static final class AnyLong implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return atLeast(value, Long.MIN_VALUE, Long.MAX_VALUE);
    }
  }

  private static double number(String value) {
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is not a number");
    }
  }

  private static long atLeast(String value, long min, long max) {
    long x;
    try {
      x = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new TypeConversionException(
          "'" + value + "' is not allowed: give a whole number in [" + min + ", " + max + "]");
    }
    if (x < min || x > max) {
      throw new TypeConversionException(
          "'" + value + "' is not allowed: give a whole number in [" + min + ", " + max + "]");
    }
    return x;
  }
}
