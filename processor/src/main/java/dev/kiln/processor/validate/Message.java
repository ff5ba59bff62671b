package dev.kiln.processor.validate;

/**
 * Every diagnostic the processor can report, each with a stable tag that tests and users can search for. Each text
 * names the layer, the rule, the actual values and the fix. Arguments are filled in with {@link String#format}.
 */
public enum Message {
  NOT_AN_INTERFACE("Target",
      "@Network goes on an interface, but %s is %s; declare `interface %s` with one abstract method per layer"),
  INPUT_MISSING("Input",
      "%s: @Network(input = {}) is empty; give the shape of one sample: {channels, height, width} or {features}"),
  INPUT_RANK("Input",
      "%s: input %s has %d dimensions; give {channels, height, width} for images or {features} for vectors"),
  TOO_LARGE("Size",
      "%s: %s would hold %d values, more than a Java array can (2147483647); make the layer smaller"),
  INPUT_NOT_POSITIVE("Input", "%s: input dimension %d is %d; every dimension must be at least 1"),
  NO_LAYERS("Network",
      "%s has no layers; add abstract methods annotated @Dense, @Conv, @Pool, ... in forward order"),
  NOT_A_LAYER("Layer",
      "%s: an abstract method of a network is a layer, but it has no layer annotation; annotate it with @Dense, "
          + "@Conv, @ConvTranspose, @Pool, @GlobalPool, @Flatten, @Activate, @PReLU, @RReLU, @BatchNorm, @LayerNorm, "
          + "@GroupNorm, @InstanceNorm or @Dropout, or give it a default body"),
  TWO_LAYERS("Layer", "%s: a method is one layer, but it has both @%s and @%s; split it into two methods"),
  HAS_PARAMETERS("Method",
      "%s: a layer method takes no parameters, but it declares %d; remove them (the batch is a runtime argument)"),
  NOT_ABSTRACT("Method",
      "%s: a layer method must be abstract, but it is %s; remove the body and the modifier (the generated class "
          + "implements it)"),
  GENERIC_METHOD("Method", "%s: a layer method cannot have type parameters; remove them"),
  RETURN_TYPE("Type", "%s: @%s layers return %s, but the method returns %s; change the return type to %s"),
  DUPLICATE_NAME("Name",
      "%s: two layers are named '%s'; a layer's name prefixes its parameters (%s.weight) and must be unique; "
          + "rename one"),
  RESERVED_NAME("Name", "%s: the layer name '%s' clashes with the method Model.%s(); rename the layer"),
  RESERVED_INPUT("Name",
      "%s: the layer name 'input' is reserved for the network's input (as in @Residual(from = \"input\")); rename "
          + "the layer"),
  NOT_POSITIVE("Value", "%s: %s must be at least 1, but is %d"),
  NEGATIVE_PADDING("Value", "%s: padding must be 0 or more, but is %d"),
  NEGATIVE("Value", "%s: %s must be 0 or more, but is %d"),
  NOT_FINITE("Value", "%s: %s must be a finite number, but is %s"),
  DROPOUT_RATE("Value",
      "%s: the dropout rate must be in [0, 1), but is %s; 0 keeps every value and 1 would drop them all (PyTorch's "
          + "default is 0.5)"),
  MOMENTUM_RANGE("Value",
      "%s: momentum must be in [0, 1] (the weight of each new batch in the running statistics), but is %s; "
          + "PyTorch's default is 0.1"),
  EPS_NOT_POSITIVE("Value",
      "%s: eps must be a positive finite number (it keeps the division by the standard deviation finite), but is "
          + "%s; PyTorch's default is 1e-5"),
  RRELU_RANGE("Value",
      "%s: RReLU draws its slope from [lower, upper], so lower must not exceed upper, but lower is %s and upper is "
          + "%s; swap them"),
  OUTPUT_PADDING("Value",
      "%s: output padding %d along the %s must be smaller than the stride (%d) or the dilation (%d), as PyTorch "
          + "requires; use output padding at most %d"),
  PAIR_LENGTH("Value", "%s: %s takes one value or {height, width}, but has %d values"),
  ALPHA_NOT_FINITE("Value", "%s: alpha must be a finite number, but is %s"),
  NEEDS_IMAGE("Shape",
      "%s: @%s needs a channels x height x width input, but gets %s features; move it before the first @Dense "
          + "or @Flatten"),
  KERNEL_TOO_LARGE("Shape",
      "%s: kernel %d (dilated %d) does not fit input %s with padding %d; output %s would be %d. Use a kernel of "
          + "at most %d along the %s, or pad more"),
  OUTPUT_BELOW_ONE("Shape",
      "%s: output dimension below 1: the output %s would be (%d - 1) * %d - 2 * %d + %d * (%d - 1) + %d + 1 = %d; "
          + "use padding of at most %d along the %s"),
  NORM_ONE_VALUE("Shape",
      "%s: @%s on input %s would normalise groups of a single value, whose output is always just the bias; %s"),
  RESIDUAL_UNKNOWN("Residual",
      "%s: @Residual(from = \"%s\") names no layer of %s; name \"input\" or one of the layers before %s: %s"),
  RESIDUAL_NOT_EARLIER("Residual",
      "%s: @Residual(from = \"%s\") names %s, but a residual adds the output of a layer computed before this one "
          + "(or \"input\"); put the @Residual on a layer after %s"),
  RESIDUAL_SHAPE("Shape",
      "%s: @Residual(from = \"%s\") adds a %s output to this layer's %s output; the shapes must match exactly "
          + "(channels, height and width): add from a layer of shape %s, or change the layers so they agree"),
  RESIDUAL_WITHOUT_LAYER("Residual",
      "%s: @Residual adds to a layer's output, but %s is not a layer (it has no layer annotation); put @Residual "
          + "next to the layer annotation of the layer whose output it adds to"),
  GROUPS_CHANNELS("Groups",
      "%s: groups %d must divide the input channels, but %d channels are not divisible by %d; use groups that "
          + "divide %d"),
  GROUPS_FILTERS("Groups",
      "%s: groups %d must divide the filters, but %d filters are not divisible by %d; use a multiple of %d "
          + "filters"),
  POOL_PADDING("Pool",
      "%s: padding %d is more than half the window %d along the %s (PyTorch's rule: padding <= size / 2); use "
          + "padding at most %d"),
  CONSTANT_INIT("Init",
      "%s: init %s gives every weight the same value, so every unit gets the same gradient and the units never "
          + "become different (symmetry is never broken); use a random initializer such as HE_NORMAL or "
          + "GLOROT_UNIFORM"),
  INTERNAL("Internal",
      "Kiln's processor failed on %s (%s); this is a bug in Kiln, please report it with this interface");

  private final String tag;
  private final String format;

  Message(String tag, String format) {
    this.tag = tag;
    this.format = format;
  }

  /** The stable tag, such as {@code [Shape]}. */
  public String tag() {
    return "[" + tag + "]";
  }

  public String format(Object... args) {
    return tag() + " " + String.format(java.util.Locale.ROOT, format, args);
  }
}
