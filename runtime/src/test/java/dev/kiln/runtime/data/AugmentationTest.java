package dev.kiln.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Shape;
import dev.kiln.runtime.data.Images.Border;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AugmentationTest {
  /** 1 2 3 / 4 5 6 / 7 8 9. */
  private static final float[] IMG = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  private static final Shape S3 = Shape.of(1, 3, 3);

  /** {@code count} copies of {@code image}. */
  private static float[] batch(float[] image, int count) {
    float[] out = new float[image.length * count];
    for (int i = 0; i < count; i++) {
      System.arraycopy(image, 0, out, i * image.length, image.length);
    }
    return out;
  }

  private static float[] image(float[] batch, int i, int size) {
    return Arrays.copyOfRange(batch, i * size, (i + 1) * size);
  }

  private static float[] translated(float[] img, int c, int h, int w, int dx, int dy, Border border) {
    float[] out = new float[img.length];
    Images.translate(img, 0, out, 0, c, h, w, dx, dy, border);
    return out;
  }

  /** Runs {@code a} on {@code count} copies of {@code img} with a generator seeded {@code seed}. */
  private static float[] run(Augmentation a, float[] img, int count, Shape shape, long seed) {
    float[] b = batch(img, count);
    a.apply(b, count, shape, new Rng(seed));
    return b;
  }

  // ---- deterministic image operations ----

  @Test
  void flips() {
    float[] h = IMG.clone();
    Images.flipHorizontal(h, 0, 1, 3, 3);
    assertThat(h).isEqualTo(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7});
    float[] v = IMG.clone();
    Images.flipVertical(v, 0, 1, 3, 3);
    assertThat(v).isEqualTo(new float[] {7, 8, 9, 4, 5, 6, 1, 2, 3});
    // Two channels of 2x2 at an offset: each channel flips on its own, the prefix is untouched.
    float[] two = {-1, 1, 2, 3, 4, 5, 6, 7, 8};
    Images.flipHorizontal(two, 1, 2, 2, 2);
    assertThat(two).isEqualTo(new float[] {-1, 2, 1, 4, 3, 6, 5, 8, 7});
    Images.flipVertical(two, 1, 2, 2, 2);
    assertThat(two).isEqualTo(new float[] {-1, 4, 3, 2, 1, 8, 7, 6, 5});
  }

  @Test
  void translateWithEachBorder() {
    assertThat(translated(IMG, 1, 3, 3, 1, 0, Border.ZERO)).isEqualTo(new float[] {0, 1, 2, 0, 4, 5, 0, 7, 8});
    assertThat(translated(IMG, 1, 3, 3, 1, 0, Border.EDGE)).isEqualTo(new float[] {1, 1, 2, 4, 4, 5, 7, 7, 8});
    assertThat(translated(IMG, 1, 3, 3, 1, 0, Border.REFLECT)).isEqualTo(new float[] {2, 1, 2, 5, 4, 5, 8, 7, 8});
    assertThat(translated(IMG, 1, 3, 3, 0, -1, Border.ZERO)).isEqualTo(new float[] {4, 5, 6, 7, 8, 9, 0, 0, 0});
    assertThat(translated(IMG, 1, 3, 3, -2, 2, Border.ZERO)).isEqualTo(new float[] {0, 0, 0, 0, 0, 0, 3, 0, 0});
    assertThat(translated(IMG, 1, 3, 3, 0, 0, Border.ZERO)).isEqualTo(IMG);
  }

  @Test
  void rotateByQuarterTurnsIsExact() {
    float[] out = new float[9];
    Images.rotate(IMG, 0, out, 0, 1, 3, 3, 90, Border.ZERO);
    assertThat(out).isEqualTo(new float[] {3, 6, 9, 2, 5, 8, 1, 4, 7}); // counter-clockwise
    Images.rotate(IMG, 0, out, 0, 1, 3, 3, -90, Border.ZERO);
    assertThat(out).isEqualTo(new float[] {7, 4, 1, 8, 5, 2, 9, 6, 3});
    Images.rotate(IMG, 0, out, 0, 1, 3, 3, 180, Border.ZERO);
    assertThat(out).isEqualTo(new float[] {9, 8, 7, 6, 5, 4, 3, 2, 1});
    Images.rotate(IMG, 0, out, 0, 1, 3, 3, 0, Border.ZERO);
    assertThat(out).isEqualTo(IMG);
  }

  @Test
  void rotateBy45DegreesInterpolates() {
    // A single bright pixel right of the centre of a 5x5 image moves up and left along the circle of radius 1.
    float[] img = new float[25];
    img[2 * 5 + 3] = 1;
    float[] out = new float[25];
    Images.rotate(img, 0, out, 0, 1, 5, 5, 45, Border.ZERO);
    double mass = 0;
    double cx = 0;
    double cy = 0;
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 5; x++) {
        mass += out[y * 5 + x];
        cx += out[y * 5 + x] * (x - 2);
        cy += out[y * 5 + x] * (y - 2);
      }
    }
    // Bilinear sampling spreads the point over its neighbours; the centroid lies on the rotated direction.
    assertThat(cx / mass).isWithin(1e-6).of(-cy / mass);
    assertThat(cx).isGreaterThan(0.0);
    assertThat(cy).isLessThan(0.0);
  }

  @Test
  void scaleAboutTheCentre() {
    float[] img = new float[25];
    for (int i = 0; i < 25; i++) {
      img[i] = i + 1;
    }
    float[] out = new float[25];
    Images.scale(img, 0, out, 0, 1, 5, 5, 2, Border.ZERO);
    assertThat(out[0]).isEqualTo(7f); // (0,0) shows the input at (0.5 + ..): (1, 1), value 7
    assertThat(out[1]).isEqualTo(7.5f); // halfway between (1,1) and (2,1)
    assertThat(out[12]).isEqualTo(13f); // the centre stays
    Images.scale(img, 0, out, 0, 1, 5, 5, 0.5, Border.ZERO);
    assertThat(out[0]).isEqualTo(0f); // (0,0) shows (-2,-2): outside
    assertThat(out[6]).isEqualTo(1f); // (1,1) shows (0,0)
    assertThat(out[12]).isEqualTo(13f);
    Images.scale(img, 0, out, 0, 1, 5, 5, 1, Border.ZERO);
    assertThat(out).isEqualTo(img);
    assertThrows(IllegalArgumentException.class, () -> Images.scale(img, 0, out, 0, 1, 5, 5, 0, Border.ZERO));
  }

  // ---- random augmentations ----

  @Test
  void horizontalFlipByProbability() {
    float[] flipped = {3, 2, 1, 6, 5, 4, 9, 8, 7};
    float[] all = run(Augmentations.horizontalFlip(1), IMG, 4, S3, 1);
    for (int i = 0; i < 4; i++) {
      assertThat(image(all, i, 9)).isEqualTo(flipped);
    }
    assertThat(run(Augmentations.horizontalFlip(0), IMG, 4, S3, 1)).isEqualTo(batch(IMG, 4));
    float[] half = run(Augmentations.horizontalFlip(0.5), IMG, 400, S3, 7);
    int count = 0;
    for (int i = 0; i < 400; i++) {
      float[] im = image(half, i, 9);
      assertThat(Arrays.equals(im, IMG) || Arrays.equals(im, flipped)).isTrue();
      count += Arrays.equals(im, flipped) ? 1 : 0;
    }
    assertThat(count).isIn(com.google.common.collect.Range.closed(160, 240));
    assertThat(run(Augmentations.horizontalFlip(0.5), IMG, 400, S3, 7)).isEqualTo(half);
  }

  @Test
  void verticalFlipByProbability() {
    float[] all = run(Augmentations.verticalFlip(1), IMG, 2, S3, 1);
    assertThat(image(all, 1, 9)).isEqualTo(new float[] {7, 8, 9, 4, 5, 6, 1, 2, 3});
    float[] half = run(Augmentations.verticalFlip(0.5), IMG, 50, S3, 3);
    assertThat(half).isNotEqualTo(batch(IMG, 50));
    assertThat(run(Augmentations.verticalFlip(0.5), IMG, 50, S3, 3)).isEqualTo(half);
  }

  /** Asserts every image of {@code out} is {@code img} translated by some offset within {@code max}. */
  private static Set<String> assertTranslates(float[] out, int count, float[] img, int max, Border border) {
    Set<String> offsets = new HashSet<>();
    for (int i = 0; i < count; i++) {
      float[] im = image(out, i, img.length);
      String found = null;
      for (int dy = -max; dy <= max && found == null; dy++) {
        for (int dx = -max; dx <= max && found == null; dx++) {
          if (Arrays.equals(im, translated(img, 1, 4, 4, dx, dy, border))) {
            found = dx + "," + dy;
          }
        }
      }
      assertThat(found).isNotNull();
      offsets.add(found);
    }
    return offsets;
  }

  @Test
  void shiftMovesEachImageByAnOffsetInRange() {
    float[] img = new float[16];
    for (int i = 0; i < 16; i++) {
      img[i] = i + 1; // all distinct, so each offset gives a distinct image
    }
    Shape s = Shape.of(1, 4, 4);
    float[] out = run(Augmentations.shift(1), img, 100, s, 11);
    assertThat(assertTranslates(out, 100, img, 1, Border.ZERO)).hasSize(9); // every offset in [-1, 1]^2 occurs
    assertThat(run(Augmentations.shift(1), img, 100, s, 11)).isEqualTo(out);
    assertThat(run(Augmentations.shift(1), img, 100, s, 12)).isNotEqualTo(out);
    assertThat(run(Augmentations.shift(0), img, 3, s, 1)).isEqualTo(batch(img, 3));
    float[] edge = run(Augmentations.shift(2, 0, Border.EDGE), img, 20, s, 1);
    for (String o : assertTranslates(edge, 20, img, 2, Border.EDGE)) {
      assertThat(o).endsWith(",0");
    }
  }

  @Test
  void randomCropIsAShiftWithinThePadding() {
    float[] img = new float[16];
    for (int i = 0; i < 16; i++) {
      img[i] = i + 1;
    }
    Shape s = Shape.of(1, 4, 4);
    float[] out = run(Augmentations.randomCrop(2), img, 200, s, 5);
    assertThat(assertTranslates(out, 200, img, 2, Border.ZERO)).hasSize(25);
    assertThat(run(Augmentations.randomCrop(2), img, 200, s, 5)).isEqualTo(out);
    float[] reflect = run(Augmentations.randomCrop(1, Border.REFLECT), img, 30, s, 5);
    assertTranslates(reflect, 30, img, 1, Border.REFLECT);
  }

  @Test
  void rotationIsSeededAndBounded() {
    float[] img = new float[49];
    img[3 * 7 + 5] = 1; // a point two pixels right of the centre
    Shape s = Shape.of(1, 7, 7);
    float[] out = run(Augmentations.rotation(30), img, 20, s, 3);
    assertThat(run(Augmentations.rotation(30), img, 20, s, 3)).isEqualTo(out);
    assertThat(run(Augmentations.rotation(30), img, 20, s, 4)).isNotEqualTo(out);
    assertThat(run(Augmentations.rotation(0), img, 2, s, 3)).isEqualTo(batch(img, 2));
    for (int i = 0; i < 20; i++) {
      float[] im = image(out, i, 49);
      double mass = 0;
      double cx = 0;
      double cy = 0;
      for (int y = 0; y < 7; y++) {
        for (int x = 0; x < 7; x++) {
          mass += im[y * 7 + x];
          cx += im[y * 7 + x] * (x - 3);
          cy += im[y * 7 + x] * (y - 3);
        }
      }
      // The point's centroid turns by at most 30 degrees (bilinear blur pulls it slightly inwards).
      double angle = Math.toDegrees(Math.atan2(-cy / mass, cx / mass));
      assertThat(Math.abs(angle)).isAtMost(30.0 + 1e-9);
    }
  }

  @Test
  void scalingIsSeededAndBounded() {
    float[] img = new float[25];
    for (int i = 0; i < 25; i++) {
      img[i] = i + 1;
    }
    Shape s = Shape.of(1, 5, 5);
    assertThat(run(Augmentations.scaling(1, 1), img, 3, s, 1)).isEqualTo(batch(img, 3));
    float[] zoom2 = new float[25];
    Images.scale(img, 0, zoom2, 0, 1, 5, 5, 2, Border.ZERO);
    assertThat(image(run(Augmentations.scaling(2, 2), img, 2, s, 1), 1, 25)).isEqualTo(zoom2);
    float[] out = run(Augmentations.scaling(0.8, 1.2), img, 10, s, 9);
    assertThat(run(Augmentations.scaling(0.8, 1.2), img, 10, s, 9)).isEqualTo(out);
    for (int i = 0; i < 10; i++) {
      assertThat(out[i * 25 + 12]).isEqualTo(13f); // the centre is the fixed point
    }
  }

  @Test
  void brightnessAddsOneOffsetPerImage() {
    float[] out = run(Augmentations.brightness(0.2), IMG, 30, S3, 2);
    Set<Float> deltas = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      float delta = out[i * 9] - IMG[0];
      assertThat(Math.abs(delta)).isAtMost(0.2f + 1e-6f);
      for (int j = 0; j < 9; j++) {
        assertThat(out[i * 9 + j] - IMG[j]).isWithin(1e-5f).of(delta);
      }
      deltas.add(delta);
    }
    assertThat(deltas.size()).isGreaterThan(25);
    assertThat(run(Augmentations.brightness(0.2), IMG, 30, S3, 2)).isEqualTo(out);
  }

  @Test
  void contrastScalesDeviationsFromTheMean() {
    float[] out = run(Augmentations.contrast(0.5), IMG, 20, S3, 4);
    for (int i = 0; i < 20; i++) {
      float factor = (out[i * 9] - 5) / (IMG[0] - 5);
      assertThat(factor).isIn(com.google.common.collect.Range.closed(0.5f - 1e-6f, 1.5f + 1e-6f));
      double mean = 0;
      for (int j = 0; j < 9; j++) {
        mean += out[i * 9 + j] / 9.0;
        assertThat(out[i * 9 + j]).isWithin(1e-5f).of(5 + (IMG[j] - 5) * factor);
      }
      assertThat(mean).isWithin(1e-5).of(5);
    }
    assertThat(run(Augmentations.contrast(0.5), IMG, 20, S3, 4)).isEqualTo(out);
  }

  @Test
  void gaussianNoiseHasTheGivenSpread() {
    Shape s = Shape.of(1, 100, 100);
    float[] out = run(Augmentations.gaussianNoise(0.1), new float[10_000], 1, s, 8);
    double mean = 0;
    double sq = 0;
    for (float v : out) {
      mean += v / 10_000.0;
      sq += v * (double) v / 10_000.0;
    }
    assertThat(mean).isWithin(0.005).of(0);
    assertThat(Math.sqrt(sq - mean * mean)).isWithin(0.005).of(0.1);
    assertThat(run(Augmentations.gaussianNoise(0.1), new float[10_000], 1, s, 8)).isEqualTo(out);
  }

  @Test
  void saltAndPepperSetsWholePixelsToLowOrHigh() {
    Shape s = Shape.of(3, 40, 40);
    float[] gray = new float[3 * 1600];
    Arrays.fill(gray, 0.5f);
    float[] out = run(Augmentations.saltAndPepper(0.1), gray, 1, s, 6);
    int salt = 0;
    int pepper = 0;
    for (int p = 0; p < 1600; p++) {
      float v = out[p];
      assertThat(v).isAnyOf(0f, 0.5f, 1f);
      assertThat(out[1600 + p]).isEqualTo(v); // all channels of a pixel agree
      assertThat(out[3200 + p]).isEqualTo(v);
      salt += v == 1f ? 1 : 0;
      pepper += v == 0f ? 1 : 0;
    }
    assertThat(salt + pepper).isIn(com.google.common.collect.Range.closed(120, 200)); // ~160 of 1600
    assertThat(salt).isGreaterThan(40);
    assertThat(pepper).isGreaterThan(40);
    assertThat(run(Augmentations.saltAndPepper(0.1), gray, 1, s, 6)).isEqualTo(out);
    float[] custom = run(Augmentations.saltAndPepper(1, -1, 2), gray, 1, s, 6);
    for (float v : custom) {
      assertThat(v).isAnyOf(-1f, 2f);
    }
  }

  @Test
  void clampBoundsValues() {
    float[] b = {-1, 0.5f, 2, 7};
    Augmentations.clamp(0, 1).apply(b, 1, Shape.of(1, 1, 3), new Rng(0));
    assertThat(b).isEqualTo(new float[] {0, 0.5f, 1, 7}); // the fourth value is beyond count * size
  }

  @Test
  void pipelineAppliesStepsInOrderOnOneGenerator() {
    Augmentation flip = Augmentations.horizontalFlip(0.5);
    Augmentation shift = Augmentations.shift(1);
    float[] manual = batch(IMG, 10);
    Rng rng = new Rng(21);
    flip.apply(manual, 10, S3, rng);
    shift.apply(manual, 10, S3, rng);
    assertThat(run(Augmentation.pipeline(flip, shift), IMG, 10, S3, 21)).isEqualTo(manual);
    assertThat(run(flip.andThen(shift), IMG, 10, S3, 21)).isEqualTo(manual);
    assertThat(Augmentation.pipeline(flip, shift).toString()).contains("horizontalFlip(0.5)");
  }

  @Test
  void worksOnHeightWidthShapesAndRejectsVectors() {
    float[] b = IMG.clone();
    Augmentations.horizontalFlip(1).apply(b, 1, Shape.of(3, 3), new Rng(0));
    assertThat(b).isEqualTo(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Augmentations.shift(1).apply(IMG.clone(), 1, Shape.of(9), new Rng(0)));
    assertThat(e).hasMessageThat().contains("CxHxW or HxW");
    assertThrows(IllegalArgumentException.class, () -> Augmentations.horizontalFlip(1.5));
    assertThrows(IllegalArgumentException.class, () -> Augmentations.scaling(0, 1));
  }

  @Test
  void augmentationsDoNotAllocatePerBatchOnceWarm() {
    Augmentation a = Augmentation.pipeline(Augmentations.shift(2), Augmentations.rotation(10),
        Augmentations.scaling(0.9, 1.1), Augmentations.horizontalFlip(0.5), Augmentations.brightness(0.1),
        Augmentations.contrast(0.1), Augmentations.gaussianNoise(0.01), Augmentations.saltAndPepper(0.01),
        Augmentations.clamp(0, 1));
    Shape s = Shape.of(1, 8, 8);
    float[] b = new float[64 * 16];
    Rng rng = new Rng(1);
    for (int i = 0; i < 2000; i++) {
      a.apply(b, 16, s, rng);
    }
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(id);
    for (int i = 0; i < 500; i++) {
      a.apply(b, 16, s, rng);
    }
    long allocated = mx.getThreadAllocatedBytes(id) - before;
    assertThat(allocated).isLessThan(4096L);
  }
}
