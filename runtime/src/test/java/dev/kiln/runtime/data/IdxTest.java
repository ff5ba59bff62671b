package dev.kiln.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
  @TempDir Path dir;

  /** The bytes of an IDX file: magic, dims, then {@code data} as given. */
  static byte[] idx(int type, int[] dims, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian, as IDX
    b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    b.put(data);
    return b.array();
  }

  static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  @Test
  void readsPlainUnsignedBytes() throws IOException {
    byte[] pixels = {0, 1, (byte) 128, (byte) 255, 7, 8};
    IdxData d = Idx.read(write("x-idx3-ubyte", idx(0x08, new int[] {1, 2, 3}, pixels)));
    assertThat(d.type()).isEqualTo(Idx.Type.UBYTE);
    assertThat(d.dims()).isEqualTo(new int[] {1, 2, 3});
    assertThat(d.count()).isEqualTo(6);
    assertThat(d.get(3)).isEqualTo(255.0); // unsigned
    assertThat(d.toInts()).isEqualTo(new int[] {0, 1, 128, 255, 7, 8});
    assertThat(d.toFloats(255f)[3]).isEqualTo(1f);
    assertThat(d.toFloats(255f)[2]).isEqualTo(128 / 255f);
  }

  @Test
  void readsGzipByContentNotName() throws IOException {
    byte[] plain = idx(0x08, new int[] {4}, new byte[] {3, 1, 4, 1});
    assertThat(Idx.read(write("labels.gz", gzip(plain))).toInts()).isEqualTo(new int[] {3, 1, 4, 1});
    assertThat(Idx.read(write("labels-misnamed", gzip(plain))).toInts()).isEqualTo(new int[] {3, 1, 4, 1});
  }

  @Test
  void readsWiderTypesBigEndian() throws IOException {
    ByteBuffer data = ByteBuffer.allocate(8).putShort((short) -2).putShort((short) 300).putInt(0);
    assertThat(Idx.read(write("s", idx(0x0B, new int[] {2}, Arrays.copyOf(data.array(), 4)))).toInts())
        .isEqualTo(new int[] {-2, 300});
    byte[] ints = ByteBuffer.allocate(8).putInt(-70000).putInt(123456).array();
    assertThat(Idx.read(write("i", idx(0x0C, new int[] {2}, ints))).toInts()).isEqualTo(new int[] {-70000, 123456});
    byte[] floats = ByteBuffer.allocate(8).putFloat(1.5f).putFloat(-0.25f).array();
    assertThat(Idx.read(write("f", idx(0x0D, new int[] {2}, floats))).toFloats(0.5f))
        .isEqualTo(new float[] {3f, -0.5f});
    byte[] doubles = ByteBuffer.allocate(8).putDouble(Math.PI).array();
    assertThat(Idx.read(write("d", idx(0x0E, new int[] {1}, doubles))).get(0)).isEqualTo(Math.PI);
    assertThat(Idx.read(write("b", idx(0x09, new int[] {1}, new byte[] {-5}))).get(0)).isEqualTo(-5.0);
    assertThrows(IllegalStateException.class, () -> Idx.read(write("f2", idx(0x0D, new int[] {2}, floats))).toInts());
  }

  @Test
  void writerRoundTrips() throws IOException {
    byte[] data = new byte[2 * 3 * 4];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 11);
    }
    for (String name : new String[] {"w-idx3-ubyte", "w-idx3-ubyte.gz"}) {
      Path p = dir.resolve(name);
      Idx.writeUnsignedBytes(p, new int[] {2, 3, 4}, data);
      IdxData d = Idx.read(p);
      assertThat(d.dims()).isEqualTo(new int[] {2, 3, 4});
      for (int i = 0; i < data.length; i++) {
        assertThat(d.get(i)).isEqualTo((double) (data[i] & 0xFF));
      }
    }
    assertThat(Files.readAllBytes(dir.resolve("w-idx3-ubyte.gz"))[0]).isEqualTo((byte) 0x1f);
    assertThrows(IllegalArgumentException.class, () -> Idx.writeUnsignedBytes(dir.resolve("bad"), new int[] {5}, data));
  }

  @Test
  void rejectsBadMagic() throws IOException {
    byte[] bytes = idx(0x08, new int[] {1}, new byte[] {1});
    bytes[1] = 8;
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.read(write("m", bytes)));
    assertThat(e).hasMessageThat().contains("not an IDX file");
    assertThat(e).hasMessageThat().contains(dir.resolve("m").toString());
  }

  @Test
  void rejectsUnknownType() throws IOException {
    IdxFormatException e = assertThrows(IdxFormatException.class,
        () -> Idx.read(write("t", idx(0x0A, new int[] {1}, new byte[] {1}))));
    assertThat(e).hasMessageThat().contains("unknown IDX element type 0x0a");
  }

  @Test
  void rejectsShortHeaders() throws IOException {
    assertThat(assertThrows(IdxFormatException.class, () -> Idx.read(write("e", new byte[0]))))
        .hasMessageThat().contains("too short");
    byte[] cut = Arrays.copyOf(idx(0x08, new int[] {2, 2}, new byte[4]), 9);
    assertThat(assertThrows(IdxFormatException.class, () -> Idx.read(write("h", cut))))
        .hasMessageThat().contains("ends inside them");
    assertThat(assertThrows(IdxFormatException.class, () -> Idx.read(write("z", new byte[] {0, 0, 8, 0}))))
        .hasMessageThat().contains("zero dimensions");
  }

  @Test
  void rejectsNegativeAndHugeDimensions() throws IOException {
    assertThat(assertThrows(IdxFormatException.class,
            () -> Idx.read(write("n", idx(0x08, new int[] {-1}, new byte[0])))))
        .hasMessageThat().contains("negative");
    assertThat(assertThrows(IdxFormatException.class,
            () -> Idx.read(write("g", idx(0x08, new int[] {65536, 65536}, new byte[0])))))
        .hasMessageThat().contains("exceed 2 GiB");
  }

  @Test
  void rejectsTruncatedAndTrailingData() throws IOException {
    byte[] full = idx(0x08, new int[] {2, 3}, new byte[6]);
    IdxFormatException e = assertThrows(IdxFormatException.class,
        () -> Idx.read(write("cut", Arrays.copyOf(full, full.length - 2))));
    assertThat(e).hasMessageThat().contains("truncated");
    assertThat(e).hasMessageThat().contains("6 bytes of data, the file has 4");
    e = assertThrows(IdxFormatException.class, () -> Idx.read(write("long", Arrays.copyOf(full, full.length + 1))));
    assertThat(e).hasMessageThat().contains("extra bytes");
    // The same checks apply inside gzip.
    e = assertThrows(IdxFormatException.class,
        () -> Idx.read(write("cut.gz", gzip(Arrays.copyOf(full, full.length - 1)))));
    assertThat(e).hasMessageThat().contains("truncated");
  }

  @Test
  void rejectsCorruptGzip() throws IOException {
    byte[] gz = gzip(idx(0x08, new int[] {100}, new byte[100]));
    byte[] cut = Arrays.copyOf(gz, gz.length / 2);
    assertThat(assertThrows(IdxFormatException.class, () -> Idx.read(write("c1.gz", cut))))
        .hasMessageThat().contains("gzip");
    byte[] garbled = gz.clone();
    for (int i = 12; i < garbled.length - 8; i++) {
      garbled[i] ^= 0x5A;
    }
    assertThrows(IdxFormatException.class, () -> Idx.read(write("c2.gz", garbled)));
    byte[] badHeader = {0x1f, (byte) 0x8b, 1, 2};
    assertThat(assertThrows(IdxFormatException.class, () -> Idx.read(write("c3.gz", badHeader))))
        .hasMessageThat().contains("gzip");
  }

  /** Writes a 3-image, 2x2-pixel Fashion-MNIST-style pair. */
  private void writeMnist(String prefix, boolean gz, int images, int labels, byte labelValue) throws IOException {
    byte[] px = new byte[images * 4];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i * 20);
    }
    byte[] y = new byte[labels];
    Arrays.fill(y, labelValue);
    y[0] = 9;
    String ext = gz ? ".gz" : "";
    Idx.writeUnsignedBytes(dir.resolve(prefix + "-images-idx3-ubyte" + ext), new int[] {images, 2, 2}, px);
    Idx.writeUnsignedBytes(dir.resolve(prefix + "-labels-idx1-ubyte" + ext), new int[] {labels}, y);
  }

  @Test
  void fashionMnistLoadsPlainOrGzip() throws IOException {
    writeMnist("train", true, 3, 3, (byte) 4);
    writeMnist("t10k", false, 2, 2, (byte) 1);
    FashionMnist data = FashionMnist.load(dir);
    Dataset train = data.train();
    assertThat(train.size()).isEqualTo(3);
    assertThat(train.shape().dims()).isEqualTo(new int[] {1, 2, 2});
    assertThat(train.sample(1)).isEqualTo(new float[] {80 / 255f, 100 / 255f, 120 / 255f, 140 / 255f});
    assertThat(train.labels()).isEqualTo(new int[] {9, 4, 4});
    assertThat(train.numClasses()).isEqualTo(10);
    assertThat(train.classNames().get(9)).isEqualTo("Ankle boot");
    assertThat(data.test().size()).isEqualTo(2);
  }

  @Test
  void fashionMnistChecksTheFiles() throws IOException {
    NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(dir));
    assertThat(missing).hasMessageThat().contains("train-images-idx3-ubyte");
    writeMnist("train", false, 3, 2, (byte) 1);
    assertThat(assertThrows(IdxFormatException.class, () -> FashionMnist.load(dir, "train")))
        .hasMessageThat().contains("3 images but");
    writeMnist("train", false, 3, 3, (byte) 10);
    assertThat(assertThrows(IdxFormatException.class, () -> FashionMnist.load(dir, "train")))
        .hasMessageThat().contains("label 10");
  }

  /** A manual check against the real files when they are installed (apt-get install dataset-fashion-mnist). */
  @Test
  void realFashionMnistTestSet() throws IOException {
    assumeTrue(Files.isDirectory(FashionMnist.SYSTEM_DIR), "Fashion-MNIST is not installed");
    Dataset test = FashionMnist.load(FashionMnist.SYSTEM_DIR, "t10k");
    assertThat(test.size()).isEqualTo(10_000);
    assertThat(test.shape()).isEqualTo(dev.kiln.runtime.Shape.of(1, 28, 28));
    assertThat(test.classCounts()).isEqualTo(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000});
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : test.features()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(min).isEqualTo(0f);
    assertThat(max).isEqualTo(1f);
  }
}
