package dev.kiln.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * Every diagnostic of the catalog: its tag, its text (layer, rule, values, fix) and the line javac points at, which
 * is the line of the offending attribute.
 */
class DiagnosticsTest {
  private static final String HEADER = """
      package test;
      import static dev.kiln.annotations.Activation.*;
      import dev.kiln.annotations.*;
      import dev.kiln.runtime.layer.*;
      """;

  private static JavaFileObject source(String body) {
    return JavaFileObjects.forSourceString("test.Net", HEADER + body);
  }

  private static Compilation compile(JavaFileObject... sources) {
    return com.google.testing.compile.Compiler.javac().withProcessors(new KilnProcessor()).compile(sources);
  }

  private static void assertError(String body, String message, String line) {
    JavaFileObject src = source(body);
    Compilation c = compile(src);
    assertThat(c).failed();
    assertThat(c).hadErrorContaining(message).inFile(src).onLineContaining(line);
  }

  @Test
  void kernelLargerThanPaddedInput() {
    assertError("""
        @Network(input = {16, 5, 5})
        interface Net {
          @Conv(filters = 4,
                kernel = 7)
          ConvLayer conv2();
        }
        """,
        "[Shape] conv2: kernel 7 (dilated 7) does not fit input 16x5x5 with padding 0; output height would be -1."
            + " Use a kernel of at most 5 along the height, or pad more", "kernel = 7");
  }

  @Test
  void dilatedKernelTooWideNamesTheWidth() {
    assertError("""
        @Network(input = {1, 9, 4})
        interface Net {
          @Conv(filters = 1, kernel = {3, 3}, dilation = 2)
          ConvLayer c();
        }
        """, "[Shape] c: kernel 3 (dilated 5) does not fit input 1x9x4 with padding 0; output width would be 0",
        "kernel = {3, 3}");
  }

  @Test
  void poolWindowLargerThanInput() {
    assertError("""
        @Network(input = {2, 3, 3})
        interface Net {
          @Pool(size = 4) PoolLayer p();
        }
        """, "[Shape] p: kernel 4 (dilated 4) does not fit input 2x3x3 with padding 0", "size = 4");
  }

  @Test
  void channelsNotDivisibleByGroups() {
    assertError("""
        @Network(input = {3, 8, 8})
        interface Net {
          @Conv(filters = 4, kernel = 3,
                groups = 2)
          ConvLayer c();
        }
        """, "[Groups] c: groups 2 must divide the input channels, but 3 channels are not divisible by 2",
        "groups = 2");
  }

  @Test
  void filtersNotDivisibleByGroups() {
    assertError("""
        @Network(input = {4, 8, 8})
        interface Net {
          @Conv(filters = 3, kernel = 3,
                groups = 2)
          ConvLayer c();
        }
        """, "[Groups] c: groups 2 must divide the filters, but 3 filters are not divisible by 2", "groups = 2");
  }

  @Test
  void zeroUnits() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 0) DenseLayer fc();
        }
        """, "[Value] fc: units must be at least 1, but is 0", "units = 0");
  }

  @Test
  void negativeStride() {
    assertError("""
        @Network(input = {1, 8, 8})
        interface Net {
          @Conv(filters = 2, kernel = 3,
                stride = {1, -2})
          ConvLayer c();
        }
        """, "[Value] c: stride must be at least 1, but is -2", "stride = {1, -2}");
  }

  @Test
  void zeroFilters() {
    assertError("""
        @Network(input = {1, 8, 8})
        interface Net {
          @Conv(filters = 0, kernel = 3) ConvLayer c();
        }
        """, "[Value] c: filters must be at least 1, but is 0", "filters = 0");
  }

  @Test
  void negativePadding() {
    assertError("""
        @Network(input = {1, 8, 8})
        interface Net {
          @Conv(filters = 2, kernel = 3,
                padding = -1)
          ConvLayer c();
        }
        """, "[Value] c: padding must be 0 or more, but is -1", "padding = -1");
  }

  @Test
  void threeValuedKernel() {
    assertError("""
        @Network(input = {1, 8, 8})
        interface Net {
          @Conv(filters = 2,
                kernel = {3, 3, 3})
          ConvLayer c();
        }
        """, "[Value] c: kernel takes one value or {height, width}, but has 3 values", "kernel = {3, 3, 3}");
  }

  @Test
  void infiniteAlpha() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 2, activation = LEAKY_RELU,
                 alpha = Double.POSITIVE_INFINITY)
          DenseLayer fc();
        }
        """, "[Value] fc: alpha must be a finite number, but is Infinity", "alpha = Double.POSITIVE_INFINITY");
  }

  @Test
  void poolPaddingOverHalfTheWindow() {
    assertError("""
        @Network(input = {1, 8, 8})
        interface Net {
          @Pool(size = 2,
                padding = 2)
          PoolLayer p();
        }
        """, "[Pool] p: padding 2 is more than half the window 2 along the height (PyTorch's rule: padding <= size"
            + " / 2); use padding at most 1", "padding = 2");
  }

  @Test
  void convAfterDense() {
    assertError("""
        @Network(input = {1, 8, 8})
        interface Net {
          @Dense(units = 10) DenseLayer fc();
          @Conv(filters = 2, kernel = 3)
          ConvLayer c();
        }
        """, "[Shape] c: @Conv needs a channels x height x width input, but gets 10 features", "@Conv(");
  }

  @Test
  void missingInputShape() {
    assertError("""
        @Network(input = {})
        interface Net {
          @Dense(units = 2) DenseLayer fc();
        }
        """, "[Input] Net: @Network(input = {}) is empty", "@Network(input = {})");
  }

  @Test
  void twoDimensionalInput() {
    assertError("""
        @Network(input = {28, 28})
        interface Net {
          @Dense(units = 2) DenseLayer fc();
        }
        """, "[Input] Net: input [28, 28] has 2 dimensions; give {channels, height, width} for images or {features}",
        "@Network(input = {28, 28})");
  }

  @Test
  void zeroInputDimension() {
    assertError("""
        @Network(input = {1, 0, 28})
        interface Net {
          @Dense(units = 2) DenseLayer fc();
        }
        """, "[Input] Net: input dimension 1 is 0; every dimension must be at least 1", "@Network(input = {1, 0, 28})");
  }

  @Test
  void hugeInput() {
    assertError("""
        @Network(input = {100000, 100000, 100})
        interface Net {
          @Dense(units = 2) DenseLayer fc();
        }
        """, "[Size] Net: one input would hold 1000000000000 values", "@Network(input =");
  }

  @Test
  void duplicateLayerNames() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 2) DenseLayer fc();
          @Dense(units = 2)
          DenseLayer fc(int unused);
        }
        """, "[Name] fc: two layers are named 'fc'", "DenseLayer fc(int unused);");
  }

  @Test
  void layerNameClashesWithModel() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 2)
          DenseLayer summary();
        }
        """, "[Name] summary: the layer name 'summary' clashes with the method Model.summary()",
        "DenseLayer summary();");
  }

  @Test
  void layerMethodWithParameters() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 2)
          DenseLayer fc(int size);
        }
        """, "[Method] fc: a layer method takes no parameters, but it declares 1", "DenseLayer fc(int size);");
  }

  @Test
  void layerMethodWithDefaultBody() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 2)
          default DenseLayer fc() { return null; }
        }
        """, "[Method] fc: a layer method must be abstract, but it is a default method", "default DenseLayer fc()");
  }

  @Test
  void returnTypeDoesNotFit() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 2)
          ConvLayer fc();
        }
        """, "[Type] fc: @Dense layers return DenseLayer, but the method returns ConvLayer;"
            + " change the return type to DenseLayer", "ConvLayer fc();");
  }

  @Test
  void twoLayerAnnotations() {
    assertError("""
        @Network(input = {1, 4, 4})
        interface Net {
          @Flatten
          @Dense(units = 2)
          DenseLayer fc();
        }
        """, "[Layer] fc: a method is one layer, but it has both @Flatten and @Dense; split it into two methods",
        "@Dense(units = 2)");
  }

  @Test
  void abstractMethodWithoutLayer() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 2) DenseLayer fc();
          DenseLayer other();
        }
        """, "[Layer] other: an abstract method of a network is a layer, but it has no layer annotation",
        "DenseLayer other();");
  }

  @Test
  void noLayers() {
    assertError("""
        @Network(input = {4})
        interface Net {
          default int helper() { return 1; }
        }
        """, "[Network] Net has no layers; add abstract methods annotated @Dense, @Conv, @Pool",
        "@Network(input = {4})");
  }

  @Test
  void notAnInterface() {
    assertError("""
        @Network(input = {4})
        abstract class Net {
        }
        """, "[Target] @Network goes on an interface, but Net is a class; declare `interface Net`",
        "@Network(input = {4})");
  }

  @Test
  void constantInitializer() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 2,
                 init = Init.ZEROS)
          DenseLayer fc();
        }
        """, "[Init] fc: init ZEROS gives every weight the same value, so every unit gets the same gradient",
        "init = Init.ZEROS");
  }

  @Test
  void dropoutRateOfOne() {
    assertError("""
        @Network(input = {8})
        interface Net {
          @Dropout(
              1.0)
          DropoutLayer drop();
        }
        """, "[Value] drop: the dropout rate must be in [0, 1), but is 1.0; 0 keeps every value and 1 would drop them"
            + " all (PyTorch's default is 0.5)", "1.0)");
  }

  @Test
  void negativeDropoutRate() {
    assertError("""
        @Network(input = {8})
        interface Net {
          @Dropout(value = -0.1, gaussian = true)
          DropoutLayer drop();
        }
        """, "[Value] drop: the dropout rate must be in [0, 1), but is -0.1", "value = -0.1");
  }

  @Test
  void batchNormMomentumAboveOne() {
    assertError("""
        @Network(input = {3, 4, 4})
        interface Net {
          @BatchNorm(
              momentum = 1.5)
          BatchNormLayer bn();
        }
        """, "[Value] bn: momentum must be in [0, 1] (the weight of each new batch in the running statistics), but is"
            + " 1.5; PyTorch's default is 0.1", "momentum = 1.5");
  }

  @Test
  void zeroEps() {
    assertError("""
        @Network(input = {3, 4, 4})
        interface Net {
          @LayerNorm(
              eps = 0)
          NormLayer ln();
        }
        """, "[Value] ln: eps must be a positive finite number (it keeps the division by the standard deviation"
            + " finite), but is 0.0; PyTorch's default is 1e-5", "eps = 0");
  }

  @Test
  void groupsDoNotDivideChannels() {
    assertError("""
        @Network(input = {6, 4, 4})
        interface Net {
          @GroupNorm(
              groups = 4)
          NormLayer gn();
        }
        """, "[Groups] gn: groups 4 must divide the input channels, but 6 channels are not divisible by 4; use groups"
            + " that divide 6", "groups = 4");
  }

  @Test
  void zeroGroups() {
    assertError("""
        @Network(input = {6, 4, 4})
        interface Net {
          @GroupNorm(
              groups = 0)
          NormLayer gn();
        }
        """, "[Value] gn: groups must be at least 1, but is 0", "groups = 0");
  }

  @Test
  void groupsOfOneValue() {
    assertError("""
        @Network(input = {6})
        interface Net {
          @GroupNorm(
              groups = 6)
          NormLayer gn();
        }
        """, "[Shape] gn: @GroupNorm on input 6 would normalise groups of a single value, whose output is always just"
            + " the bias; use fewer groups, or a @BatchNorm", "groups = 6");
  }

  @Test
  void instanceNormOfOnePosition() {
    assertError("""
        @Network(input = {3, 4, 4})
        interface Net {
          @GlobalPool PoolLayer pool();
          @InstanceNorm
          NormLayer in1();
        }
        """, "[Shape] in1: @InstanceNorm on input 3x1x1 would normalise groups of a single value, whose output is"
            + " always just the bias; use a @BatchNorm, or normalise before the image shrinks to 1x1",
        "@InstanceNorm");
  }

  @Test
  void instanceNormOfVector() {
    assertError("""
        @Network(input = {3, 4, 4})
        interface Net {
          @Dense(units = 4) DenseLayer fc();
          @InstanceNorm(eps = 1e-3)
          NormLayer in1();
        }
        """, "[Shape] in1: @InstanceNorm needs a channels x height x width input, but gets 4 features",
        "@InstanceNorm(eps = 1e-3)");
  }

  @Test
  void nonFiniteSlope() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @PReLU(
              slope = Double.NaN)
          PReluLayer act();
        }
        """, "[Value] act: slope must be a finite number, but is NaN", "slope = Double.NaN");
  }

  @Test
  void rreluBoundsReversed() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @RReLU(
              lower = 0.5, upper = 0.2)
          ActivationLayer act();
        }
        """, "[Value] act: RReLU draws its slope from [lower, upper], so lower must not exceed upper, but lower is"
            + " 0.5 and upper is 0.2; swap them", "lower = 0.5, upper = 0.2");
  }

  @Test
  void outputPaddingNotBelowStride() {
    assertError("""
        @Network(input = {2, 4, 4})
        interface Net {
          @ConvTranspose(filters = 2, kernel = 3, stride = 2,
              outputPadding = 2)
          ConvTransposeLayer up();
        }
        """, "[Value] up: output padding 2 along the height must be smaller than the stride (2) or the dilation (1),"
            + " as PyTorch requires; use output padding at most 1", "outputPadding = 2");
  }

  @Test
  void outputPaddingWidthNamesTheWidth() {
    assertError("""
        @Network(input = {2, 4, 4})
        interface Net {
          @ConvTranspose(filters = 2, kernel = 3, stride = {2, 1}, dilation = {1, 2},
              outputPadding = {1, 2})
          ConvTransposeLayer up();
        }
        """, "[Value] up: output padding 2 along the width must be smaller than the stride (1) or the dilation (2),"
            + " as PyTorch requires; use output padding at most 1", "outputPadding = {1, 2}");
  }

  @Test
  void negativeOutputPadding() {
    assertError("""
        @Network(input = {2, 4, 4})
        interface Net {
          @ConvTranspose(filters = 2, kernel = 3,
              outputPadding = -1)
          ConvTransposeLayer up();
        }
        """, "[Value] up: outputPadding must be 0 or more, but is -1", "outputPadding = -1");
  }

  @Test
  void transposedOutputBelowOne() {
    assertError("""
        @Network(input = {1, 2, 5})
        interface Net {
          @ConvTranspose(filters = 1, kernel = 1,
              padding = {1, 0})
          ConvTransposeLayer up();
        }
        """, "[Shape] up: output dimension below 1: the output height would be (2 - 1) * 1 - 2 * 1 + 1 * (1 - 1) + 0"
            + " + 1 = 0; use padding of at most 0 along the height", "padding = {1, 0}");
  }

  @Test
  void transposedGroupsDoNotDivideFilters() {
    assertError("""
        @Network(input = {4, 3, 3})
        interface Net {
          @ConvTranspose(filters = 3, kernel = 2,
              groups = 2)
          ConvTransposeLayer up();
        }
        """, "[Groups] up: groups 2 must divide the filters, but 3 filters are not divisible by 2", "groups = 2");
  }

  @Test
  void transposedConvAfterDense() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @ConvTranspose(filters = 3, kernel = 2)
          ConvTransposeLayer up();
        }
        """, "[Shape] up: @ConvTranspose needs a channels x height x width input, but gets 4 features",
        "@ConvTranspose(filters = 3");
  }

  @Test
  void residualFromUnknownLayer() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 4) DenseLayer a();
          @Dense(units = 4)
          @Residual(from = "conv9")
          DenseLayer b();
        }
        """, "[Residual] b: @Residual(from = \"conv9\") names no layer of Net; name \"input\" or one of the layers"
            + " before b: \"input\", \"a\"", "from = \"conv9\"");
  }

  @Test
  void residualFromLaterLayer() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 4)
          @Residual(from = "b")
          DenseLayer a();
          @Dense(units = 4) DenseLayer b();
        }
        """, "[Residual] a: @Residual(from = \"b\") names a later layer, but a residual adds the output of a layer"
            + " computed before this one (or \"input\"); put the @Residual on a layer after b",
        "from = \"b\"");
  }

  @Test
  void residualFromItself() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 4)
          @Residual(from = "a")
          DenseLayer a();
        }
        """, "[Residual] a: @Residual(from = \"a\") names this layer itself", "from = \"a\"");
  }

  @Test
  void residualShapeMismatch() {
    assertError("""
        @Network(input = {4, 6, 6})
        interface Net {
          @Conv(filters = 8, kernel = 3, padding = 1) ConvLayer conv1();
          @Conv(filters = 8, kernel = 3, padding = 1)
          @Residual(from = "input")
          ConvLayer conv2();
        }
        """, "[Shape] conv2: @Residual(from = \"input\") adds a 4x6x6 output to this layer's 8x6x6 output; the"
            + " shapes must match exactly (channels, height and width): add from a layer of shape 8x6x6, or change"
            + " the layers so they agree", "from = \"input\"");
  }

  @Test
  void residualBetweenImageAndVectorOfEqualSize() {
    assertError("""
        @Network(input = {2, 2, 2})
        interface Net {
          @Flatten FlattenLayer flat();
          @Dense(units = 8)
          @Residual(from = "input")
          DenseLayer fc();
        }
        """, "[Shape] fc: @Residual(from = \"input\") adds a 2x2x2 output to this layer's 8 output",
        "from = \"input\"");
  }

  @Test
  void residualWithoutLayer() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 4) DenseLayer a();
          @Residual(from = "a")
          default int helper() { return 1; }
        }
        """, "[Residual] helper: @Residual adds to a layer's output, but helper is not a layer (it has no layer"
            + " annotation)", "@Residual(from = \"a\")");
  }

  @Test
  void layerNamedInput() {
    assertError("""
        @Network(input = {4})
        interface Net {
          @Dense(units = 4)
          DenseLayer input();
        }
        """, "[Name] input: the layer name 'input' is reserved for the network's input (as in @Residual(from ="
            + " \"input\")); rename the layer", "DenseLayer input();");
  }

  @Test
  void newLayersCheckTheirReturnType() {
    assertError("""
        @Network(input = {3, 4, 4})
        interface Net {
          @BatchNorm
          NormLayer bn();
        }
        """, "[Type] bn: @BatchNorm layers return BatchNormLayer, but the method returns NormLayer; change the return"
            + " type to BatchNormLayer", "NormLayer bn();");
  }

  @Test
  void everyMistakeOfOneNetworkIsReported() {
    JavaFileObject src = source("""
        @Network(input = {1, 8, 8})
        interface Net {
          @Conv(filters = 0, kernel = 3) ConvLayer a();
          @Pool(size = 2, padding = 3) PoolLayer b();
          @Dense(units = -1) DenseLayer c();
        }
        """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(3);
    assertThat(c).hadErrorContaining("[Value] a: filters").inFile(src).onLineContaining("filters = 0");
    assertThat(c).hadErrorContaining("[Pool] b: padding 3").inFile(src).onLineContaining("padding = 3");
    assertThat(c).hadErrorContaining("[Value] c: units").inFile(src).onLineContaining("units = -1");
  }

  @Test
  void oneBadNetworkDoesNotStopTheOthers() {
    JavaFileObject bad = JavaFileObjects.forSourceString("test.Bad", HEADER + """
        @Network(input = {1, 4, 4})
        interface Bad {
          @Conv(filters = 2, kernel = 9) ConvLayer c();
        }
        """);
    JavaFileObject good = JavaFileObjects.forSourceString("test.Good", HEADER + """
        @Network(input = {4})
        interface Good {
          @Dense(units = 2) DenseLayer fc();
        }
        """);
    // Uses the class generated for Good: if Good were not generated, this would be a second error.
    JavaFileObject user = JavaFileObjects.forSourceString("test.User",
        "package test; class User { Object model = new Kiln_Good(); }");
    Compilation c = compile(bad, good, user);
    assertThat(c).hadErrorContaining("[Shape] c: kernel 9");
    assertThat(c).hadErrorCount(1);
  }

  @Test
  void summaryNoteOnRequest() {
    Compilation c = com.google.testing.compile.Compiler.javac()
        .withProcessors(new KilnProcessor())
        .withOptions("-Akiln.summary=true")
        .compile(source("""
            @Network(input = {1, 8, 8})
            interface Net {
              @Conv(filters = 2, kernel = 3) ConvLayer c();
              @Dense(units = 3) DenseLayer fc();
            }
            """));
    assertThat(c).succeeded();
    assertThat(c).hadNoteContaining("[Summary] Net");
    assertThat(c).hadNoteContaining("fc           Dense 3");
  }
}
