package dev.kiln.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A save that fails part way leaves the previous file exactly as it was and no temporary file behind. */
class AtomicSaveTest {
  @TempDir Path dir;

  /** Passes bytes through until {@code limit}, then fails as a full disk or a dying device would. */
  private static final class FailingChannel implements WritableByteChannel {
    private final WritableByteChannel target;
    private long left;

    FailingChannel(WritableByteChannel target, long limit) {
      this.target = target;
      this.left = limit;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (left <= 0) {
        throw new IOException("simulated crash: no space left on device");
      }
      if (src.remaining() > left) {
        ByteBuffer part = src.slice().limit((int) left);
        int n = target.write(part);
        src.position(src.position() + n);
        left -= n;
        return n;
      }
      int n = target.write(src);
      left -= n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return target.isOpen();
    }

    @Override
    public void close() throws IOException {
      target.close();
    }
  }

  private List<String> filesInDir() throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static SafetensorsWriter writerFor(TinyNet net) {
    SafetensorsWriter writer = new SafetensorsWriter();
    Weights.addState(writer, net.state());
    return writer;
  }

  @Test
  void crashHalfwayKeepsOldFile() throws IOException {
    Path path = dir.resolve("model.safetensors");
    TinyNet old = new TinyNet(1);
    Weights.save(old, path);
    byte[] before = Files.readAllBytes(path);
    SafetensorsWriter newer = writerFor(new TinyNet(2));
    long half = newer.toBytes().length / 2;

    IOException e = assertThrows(IOException.class,
        () -> AtomicFiles.write(path, channel -> newer.writeTo(new FailingChannel(channel, half))));

    assertThat(e).hasMessageThat().contains("simulated crash");
    assertThat(Files.readAllBytes(path)).isEqualTo(before);
    assertThat(filesInDir()).containsExactly("model.safetensors");
    TinyNet check = new TinyNet(3);
    Weights.load(check, path);
    assertThat(check.snapshot()).isEqualTo(old.snapshot());
  }

  @Test
  void crashAtEveryPointKeepsOldFile() throws IOException {
    Path path = dir.resolve("model.safetensors");
    Weights.save(new TinyNet(1), path);
    byte[] before = Files.readAllBytes(path);
    SafetensorsWriter newer = writerFor(new TinyNet(2));
    int total = newer.toBytes().length;
    for (long limit = 0; limit < total; limit += 7) {
      long at = limit;
      assertThrows(IOException.class,
          () -> AtomicFiles.write(path, channel -> newer.writeTo(new FailingChannel(channel, at))));
      assertThat(Files.readAllBytes(path)).isEqualTo(before);
    }
    assertThat(filesInDir()).containsExactly("model.safetensors");
  }

  @Test
  void unexpectedRuntimeFailureAlsoCleansUp() throws IOException {
    Path path = dir.resolve("model.safetensors");
    Weights.save(new TinyNet(1), path);
    byte[] before = Files.readAllBytes(path);

    assertThrows(IllegalStateException.class, () -> AtomicFiles.write(path, channel -> {
      channel.write(ByteBuffer.wrap(new byte[100]));
      throw new IllegalStateException("bug in the middle of a save");
    }));

    assertThat(Files.readAllBytes(path)).isEqualTo(before);
    assertThat(filesInDir()).containsExactly("model.safetensors");
  }

  @Test
  void targetThatCannotBeReplacedLeavesNoTemp() throws IOException {
    Path path = dir.resolve("model.safetensors");
    Files.createDirectory(path);
    Files.writeString(path.resolve("inside"), "x");

    assertThrows(IOException.class, () -> Weights.save(new TinyNet(1), path));

    assertThat(filesInDir()).containsExactly("model.safetensors");
    assertThat(Files.readString(path.resolve("inside"))).isEqualTo("x");
  }

  @Test
  void readOnlyDirectoryFailsCleanly() throws IOException {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path path = dir.resolve("model.safetensors");
    Weights.save(new TinyNet(1), path);
    byte[] before = Files.readAllBytes(path);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      // Root ignores permissions; the test means nothing there.
      assumeTrue(!Files.isWritable(dir), "directory still writable (running as root?)");
      assertThrows(IOException.class, () -> Weights.save(new TinyNet(2), path));
      assertThat(Files.readAllBytes(path)).isEqualTo(before);
      assertThat(filesInDir()).containsExactly("model.safetensors");
    } finally {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void savedFileHasOrdinaryPermissions() throws IOException {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path plain = dir.resolve("plain");
    Files.write(plain, new byte[1]);
    Path path = dir.resolve("model.safetensors");
    Weights.save(new TinyNet(1), path);
    // Same permissions as any file this process creates (umask), not the owner-only ones of createTempFile.
    assertThat(Files.getPosixFilePermissions(path)).isEqualTo(Files.getPosixFilePermissions(plain));
  }
}
