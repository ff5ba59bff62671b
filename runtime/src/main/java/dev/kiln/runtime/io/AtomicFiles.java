package dev.kiln.runtime.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file all at once: the new contents go to a temporary file beside the target, are forced to disk, and
 * are then renamed over the target in one atomic step. A reader (or a crash) sees the old file or the new one,
 * never half of each, and a failed write deletes its temporary file and leaves the old file untouched.
 *
 * <p>If the JVM itself dies mid-write, a hidden {@code .<name>.<random>.tmp} file may remain beside the target; it
 * is never read by anything here and may be deleted.
 */
final class AtomicFiles {
  private AtomicFiles() {}

  /** Streams the new contents of a file. */
  interface Contents {
    void writeTo(WritableByteChannel channel) throws IOException;
  }

  static void write(Path target, Contents contents) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path directory = absolute.getParent();
    Path temp = createTemp(directory, absolute.getFileName().toString());
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        contents.writeTo(channel);
        // Data and length on disk before the rename: otherwise a power cut after the rename could leave the new
        // name pointing at an empty or partial file, which is exactly what this class exists to prevent.
        channel.force(true);
      }
      // On POSIX this is rename(2), which replaces the target atomically. Where the file system cannot do that
      // the move throws, and we fail rather than silently replacing non-atomically.
      Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException | Error e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    syncDirectory(directory);
  }

  /**
   * Creates an empty, uniquely named file in {@code directory}. Not {@link Files#createTempFile}: that makes files
   * readable by their owner only, and the renamed result would then surprise anyone who shares weight files.
   */
  private static Path createTemp(Path directory, String name) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path temp = directory.resolve(
          "." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
      try {
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return temp;
      } catch (FileAlreadyExistsException e) {
        if (attempt == 10) {
          throw e;
        }
      }
    }
  }

  /**
   * Makes the rename itself durable by syncing the directory entry. Best effort: Linux and macOS allow it; Windows
   * cannot open a directory this way and persists renames on its own, so failure here is not an error.
   */
  private static void syncDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException ignored) {
      // See above: nothing more can be done, and the file itself is already complete.
    }
  }
}
