package dev.kiln.runtime.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed pool of threads that runs one indexed task on all of them at once and waits for it: the fork-join step of
 * data-parallel training ({@code Trainer}) and of {@link ParallelInference}. The caller runs index 0 itself and {@code
 * size - 1} daemon workers, created once, run the rest. One caller at a time.
 *
 * <p>Why not an {@code ExecutorService}: submitting tasks allocates futures and queue nodes on every batch, and the
 * training loop is meant to allocate nothing in its steady state. Here a batch costs a volatile write, an unpark per
 * worker and one atomic decrement each; the task object is created once by the caller and reused.
 *
 * <p>Waiting threads spin for a short while ({@link #SPIN_NANOS}) before they park: a training step runs the pool
 * twice (passes, then the gradient reduction) with little serial work in between, and waking a parked thread costs
 * tens of microseconds, which at a few milliseconds per step was several percent of an epoch, and would be several
 * times a one-sample inference.
 *
 * <p>Every run unparks every worker, spinning or not. Unparking only the workers that had said they park (a flag each,
 * set before they re-check and park) was slower: a run of a trivial task on two threads took 229-275 ns against
 * 203-217 (scratch harness, alternating, 100,000 runs a round).
 */
public final class WorkerPool implements AutoCloseable {
  /** How long a waiting thread spins before it parks. */
  static final long SPIN_NANOS = 100_000;

  private final int size;
  private final Thread[] workers;
  private final Throwable[] failures;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile IntConsumer task;
  /** Bumped once per {@link #run}; a worker runs when it sees a generation it has not run yet. */
  private volatile long generation;
  private volatile Thread caller;
  private volatile boolean closed;

  /** Starts {@code size - 1} daemon workers named {@code name-1}, {@code name-2}, ... */
  public WorkerPool(int size, String name) {
    if (size < 1) {
      throw new IllegalArgumentException("a pool needs at least one thread: " + size);
    }
    this.size = size;
    this.workers = new Thread[size - 1];
    this.failures = new Throwable[size];
    for (int i = 0; i < workers.length; i++) {
      int index = i + 1;
      Thread t = new Thread(() -> loop(index), name + "-" + index);
      // Daemon: a trainer that is never closed must not keep the JVM alive.
      t.setDaemon(true);
      workers[i] = t;
      t.start();
    }
  }

  /** Threads taking part, the caller included. */
  public int size() {
    return size;
  }

  /**
   * Runs {@code task.accept(i)} for every {@code i} in {@code 0..size-1}, index 0 on the calling thread, and returns
   * when all are done. A task's exception is rethrown here after every index has finished.
   */
  public void run(IntConsumer task) {
    if (closed) {
      throw new IllegalStateException("the worker pool is closed");
    }
    this.task = task;
    this.caller = Thread.currentThread();
    pending.set(workers.length);
    generation++; // the volatile write publishes task, caller and pending to the workers
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
    try {
      task.accept(0);
    } catch (Throwable t) {
      failures[0] = t;
    }
    long start = System.nanoTime();
    int spins = 0;
    while (pending.get() != 0) {
      if (shouldSpin(++spins, start)) {
        Thread.onSpinWait();
      } else {
        LockSupport.park(this);
      }
    }
    rethrow();
  }

  private void rethrow() {
    Throwable first = null;
    for (int i = 0; i < failures.length; i++) {
      if (failures[i] != null && first == null) {
        first = failures[i];
      }
      failures[i] = null;
    }
    if (first instanceof RuntimeException r) {
      throw r;
    }
    if (first instanceof Error e) {
      throw e;
    }
    if (first != null) {
      throw new IllegalStateException("a worker thread failed", first);
    }
  }

  /** Spin while under {@link #SPIN_NANOS} since {@code start}, reading the clock only every 64th time round. */
  private static boolean shouldSpin(int spins, long start) {
    return (spins & 0x3f) != 0 || System.nanoTime() - start < SPIN_NANOS;
  }

  private void loop(int index) {
    long seen = 0;
    long start = System.nanoTime();
    int spins = 0;
    while (true) {
      long g = generation;
      if (closed) {
        return;
      }
      if (g == seen) {
        if (shouldSpin(++spins, start)) {
          Thread.onSpinWait();
        } else {
          // Spurious wake-ups and an unpark that arrives before this park are both harmless: the loop re-checks.
          LockSupport.park(this);
        }
        continue;
      }
      seen = g;
      try {
        task.accept(index);
      } catch (Throwable t) {
        failures[index] = t;
      }
      if (pending.decrementAndGet() == 0) {
        LockSupport.unpark(caller);
      }
      start = System.nanoTime();
      spins = 0;
    }
  }

  /** Stops the workers; idempotent. */
  @Override
  public void close() {
    closed = true;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
  }
}
