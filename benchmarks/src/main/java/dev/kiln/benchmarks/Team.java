package dev.kiln.benchmarks;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads (the caller plus {@code size - 1} daemon workers) that runs one task split into {@code
 * size} parts and returns when all are done, allocating nothing per run, so that the GC profiler's bytes per
 * operation stay those of the work itself. Workers spin briefly between runs (back-to-back benchmark operations find
 * them awake) and then park.
 */
public final class Team implements AutoCloseable {
  /** One part of a split task. */
  @FunctionalInterface
  public interface Part {
    void run(int part);
  }

  private static final long SPIN_NANOS = 200_000;

  private final int size;
  private final Thread[] workers;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile Part task;
  private volatile long generation;
  private volatile boolean closed;
  private volatile Throwable failure;
  private final boolean[] parked;

  public Team(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be at least 1: " + size);
    }
    this.size = size;
    this.workers = new Thread[size - 1];
    this.parked = new boolean[size - 1];
    for (int i = 0; i < workers.length; i++) {
      int part = i + 1;
      workers[i] = new Thread(() -> work(part), "kiln-bench-worker-" + part);
      workers[i].setDaemon(true);
      workers[i].start();
    }
  }

  public int size() {
    return size;
  }

  /** Runs {@code task} on parts 0..size-1, part 0 on the calling thread; rethrows the first failure. */
  public void run(Part task) {
    if (workers.length == 0) {
      task.run(0);
      return;
    }
    this.task = task;
    pending.set(workers.length);
    generation = generation + 1; // volatile write publishes task and pending
    for (int i = 0; i < workers.length; i++) {
      if (isParked(i)) {
        LockSupport.unpark(workers[i]);
      }
    }
    Throwable own = null;
    try {
      task.run(0);
    } catch (Throwable t) {
      own = t;
    }
    while (pending.get() != 0) {
      Thread.onSpinWait();
    }
    Throwable theirs = failure;
    if (own != null || theirs != null) {
      failure = null;
      Throwable first = own != null ? own : theirs;
      if (first instanceof RuntimeException e) {
        throw e;
      }
      if (first instanceof Error e) {
        throw e;
      }
      throw new IllegalStateException(first);
    }
  }

  private synchronized boolean isParked(int i) {
    return parked[i];
  }

  private synchronized void setParked(int i, boolean value) {
    parked[i] = value;
  }

  private void work(int part) {
    long seen = 0;
    while (true) {
      long start = System.nanoTime();
      int spins = 0;
      long g;
      while ((g = generation) == seen) {
        if (closed) {
          return;
        }
        if ((++spins & 0xff) != 0 || System.nanoTime() - start < SPIN_NANOS) {
          Thread.onSpinWait();
        } else {
          setParked(part - 1, true);
          if (generation == seen && !closed) {
            LockSupport.park(this);
          }
          setParked(part - 1, false);
        }
      }
      seen = g;
      try {
        task.run(part);
      } catch (Throwable t) {
        failure = t;
      }
      pending.decrementAndGet();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
  }
}
