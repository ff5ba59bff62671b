package dev.kiln.runtime.search;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HyperparameterSearchTest {
  @Test
  void gridVisitsEveryCombinationLastDimensionFastest() {
    SearchSpace space = SearchSpace.of().doubles("lr", 0.1, 0.01).ints("batch", 16, 32, 64).choice("opt", "sgd");
    assertThat(space.gridSize()).isEqualTo(6);
    List<Params> points = HyperparameterSearch.grid(space).points();
    assertThat(points).hasSize(6);
    assertThat(points.get(0).toString()).isEqualTo("lr=0.1, batch=16, opt=sgd");
    assertThat(points.get(1).toString()).isEqualTo("lr=0.1, batch=32, opt=sgd");
    assertThat(points.get(3).toString()).isEqualTo("lr=0.01, batch=16, opt=sgd");
    assertThat(points.get(5).getInt("batch")).isEqualTo(64);
  }

  @Test
  void gridValuesOfRanges() {
    assertThat(Dimension.uniform("x", 0, 1, 5).gridValues()).containsExactly(0.0, 0.25, 0.5, 0.75, 1.0).inOrder();
    List<Object> log = Dimension.logUniform("lr", 1e-4, 1e-1, 4).gridValues();
    assertThat((double) log.get(0)).isEqualTo(1e-4);
    assertThat((double) log.get(1)).isWithin(1e-15).of(1e-3);
    assertThat((double) log.get(2)).isWithin(1e-14).of(1e-2);
    assertThat((double) log.get(3)).isEqualTo(1e-1);
    assertThat(Dimension.intRange("k", 1, 9, 4).gridValues()).containsExactly(1, 5, 9).inOrder();
    assertThrows(IllegalArgumentException.class, () -> Dimension.logUniform("lr", 0, 1, 3));
    assertThrows(IllegalArgumentException.class, () -> SearchSpace.of().ints("a", 1).ints("a", 2));
  }

  @Test
  void randomSearchIsSeededAndStaysInRange() {
    SearchSpace space = SearchSpace.of().logUniform("lr", 1e-4, 1e-1, 3).intRange("units", 8, 64, 8)
        .choice("act", "relu", "tanh");
    List<Params> a = HyperparameterSearch.random(space, 50, 3).points();
    assertThat(a).isEqualTo(HyperparameterSearch.random(space, 50, 3).points());
    assertThat(a).isNotEqualTo(HyperparameterSearch.random(space, 50, 4).points());
    boolean small = false;
    boolean large = false;
    for (Params p : a) {
      double lr = p.getDouble("lr");
      assertThat(lr).isAtLeast(1e-4);
      assertThat(lr).isAtMost(1e-1);
      small |= lr < 1e-3; // log-uniform: a quarter... a third of draws below 1e-3
      large |= lr > 1e-2;
      assertThat(p.getInt("units") % 8).isEqualTo(0);
      assertThat(p.getString("act")).isAnyOf("relu", "tanh");
    }
    assertThat(small).isTrue();
    assertThat(large).isTrue();
  }

  @Test
  void gridRanksByMetricMaximizing() {
    SearchSpace space = SearchSpace.of().doubles("x", -1, 0, 1, 2).ints("y", 0, 1);
    // Peak at x = 1, y = 1.
    SearchResult r = HyperparameterSearch.grid(space)
        .run(p -> -Math.pow(p.getDouble("x") - 1, 2) - Math.pow(p.getInt("y") - 1, 2));
    assertThat(r.trials()).hasSize(8);
    assertThat(r.best().params().asMap()).isEqualTo(Map.of("x", 1.0, "y", 1));
    assertThat(r.best().metric()).isZero();
    List<Double> metrics = new ArrayList<>();
    for (Trial t : r.ranked()) {
      metrics.add(t.metric());
    }
    assertThat(metrics).isInOrder(java.util.Comparator.reverseOrder());
    // The two trials scoring -1 (x=0,y=1 and x=1,y=0 and x=2,y=1 ...) keep run order among themselves.
    List<Integer> tied = new ArrayList<>();
    for (Trial t : r.ranked()) {
      if (t.metric() == -1) {
        tied.add(t.number());
      }
    }
    assertThat(tied).isInOrder();
  }

  @Test
  void randomRanksByMetricMinimizingWithFailuresLast() {
    SearchSpace space = SearchSpace.of().uniform("x", -2, 2, 3);
    SearchResult r = HyperparameterSearch.random(space, 20, 5).minimize("loss").run(p -> {
      double x = p.getDouble("x");
      if (x > 1.5) {
        throw new IllegalStateException("diverged");
      }
      return x < -1.5 ? Double.NaN : x * x;
    });
    List<Trial> ranked = r.ranked();
    boolean seenFailure = false;
    double previous = Double.NEGATIVE_INFINITY;
    for (Trial t : ranked) {
      if (t.failed()) {
        seenFailure = true;
        assertThat(t.metric()).isNaN();
      } else {
        assertThat(seenFailure).isFalse(); // failures come last
        assertThat(t.metric()).isAtLeast(previous);
        previous = t.metric();
      }
    }
    assertThat(Math.abs(r.bestParams().getDouble("x"))).isLessThan(0.5);
    assertThat(r.maximize()).isFalse();
  }

  @Test
  void printsProgressAndTable() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    SearchResult r = HyperparameterSearch.grid(SearchSpace.of().doubles("lr", 0.1, 0.001).choice("opt", "sgd", "adam"))
        .maximize("val_acc").progress(out)
        .run(p -> p.getString("opt").equals("adam") ? 0.9 : p.getDouble("lr") == 0.1 ? 0.8 : 0.5);
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("trial 1/4  lr=0.1, opt=sgd  ->  val_acc 0.8000");
    String table = r.toString();
    String[] lines = table.split("\n");
    assertThat(lines[0]).isEqualTo("rank  trial  lr     opt   val_acc (max)  time");
    assertThat(lines[1]).startsWith("1     2      0.1    adam  0.9000");
    assertThat(lines[2]).startsWith("2     4      0.001  adam  0.9000");
    assertThat(lines[3]).startsWith("3     1      0.1    sgd   0.8000");
    assertThat(lines[4]).startsWith("4     3      0.001  sgd   0.5000");
    assertThat(text).contains(table);
  }

  @Test
  void allFailedHasNoBest() {
    SearchResult r = HyperparameterSearch.grid(SearchSpace.of().ints("a", 1)).run(p -> {
      throw new Exception("no");
    });
    assertThrows(IllegalStateException.class, r::best);
    assertThat(r.toString()).contains("failed: no");
  }

  @Test
  void paramsAccessors() {
    Params p = Params.of(Map.of("n", 3));
    assertThat(p.getDouble("n")).isEqualTo(3.0);
    assertThrows(IllegalArgumentException.class, () -> p.getDouble("m"));
    assertThat(Params.format(0.00031622776)).isEqualTo("0.0003162");
    assertThat(Params.format(0.1)).isEqualTo("0.1");
    assertThat(Params.format(1e-5)).isEqualTo("1e-05");
    assertThat(Params.format(2.0)).isEqualTo("2.0");
    assertThat(Params.format("adam")).isEqualTo("adam");
  }
}
