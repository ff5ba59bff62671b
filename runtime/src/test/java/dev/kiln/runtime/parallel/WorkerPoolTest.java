package dev.kiln.runtime.parallel;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
  @Test
  void runsEveryIndexOnceAndTheFirstOnTheCaller() {
    try (WorkerPool pool = new WorkerPool(3, "test-pool")) {
      assertThat(pool.size()).isEqualTo(3);
      AtomicIntegerArray runs = new AtomicIntegerArray(3);
      Thread caller = Thread.currentThread();
      Thread[] ranOn = new Thread[3];
      for (int round = 0; round < 1000; round++) {
        pool.run(i -> {
          runs.incrementAndGet(i);
          ranOn[i] = Thread.currentThread();
        });
      }
      for (int i = 0; i < 3; i++) {
        assertThat(runs.get(i)).isEqualTo(1000);
      }
      assertThat(ranOn[0]).isSameInstanceAs(caller);
      assertThat(ranOn[1]).isNotSameInstanceAs(caller);
      assertThat(ranOn[2]).isNotSameInstanceAs(ranOn[1]);
      assertThat(ranOn[1].isDaemon()).isTrue();
      assertThat(ranOn[1].getName()).isEqualTo("test-pool-1");
    }
  }

  /** A worker's failure is rethrown to the caller once every index has finished, and the pool goes on working. */
  @Test
  void rethrowsAWorkersFailureAfterAllHaveFinished() {
    try (WorkerPool pool = new WorkerPool(2, "test-pool")) {
      AtomicIntegerArray done = new AtomicIntegerArray(2);
      IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> pool.run(i -> {
        if (i == 1) {
          throw new IllegalArgumentException("worker " + i);
        }
        // The caller's own index keeps going while the worker fails: run() waits for both.
        for (long spin = System.nanoTime(); System.nanoTime() - spin < 1_000_000; ) {
          Thread.onSpinWait();
        }
        done.set(i, 1);
      }));
      assertThat(thrown).hasMessageThat().isEqualTo("worker 1");
      assertThat(done.get(0)).isEqualTo(1);
      IllegalStateException checked = assertThrows(IllegalStateException.class, () -> pool.run(i -> {
        if (i == 1) {
          sneakyThrow(new Exception("checked"));
        }
      }));
      assertThat(checked).hasMessageThat().contains("worker thread failed");
      AtomicIntegerArray runs = new AtomicIntegerArray(2);
      pool.run(runs::incrementAndGet);
      assertThat(runs.get(0) + runs.get(1)).isEqualTo(2);
    }
  }

  /** Workers that have parked after a pause are woken by the next run. */
  @Test
  void wakesParkedWorkers() throws InterruptedException {
    try (WorkerPool pool = new WorkerPool(2, "test-pool")) {
      AtomicIntegerArray runs = new AtomicIntegerArray(2);
      pool.run(runs::incrementAndGet);
      Thread.sleep(20); // far beyond the spin: the worker parks
      pool.run(runs::incrementAndGet);
      assertThat(runs.get(1)).isEqualTo(2);
    }
  }

  @Test
  void refusesNoThreadsAndRunsAfterClose() {
    assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0, "test-pool"));
    WorkerPool pool = new WorkerPool(2, "test-pool");
    pool.close();
    pool.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> pool.run(i -> {}));
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
    throw (T) t;
  }
}
