package dev.kiln.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
  @TempDir Path dir;

  @Test
  void headerAndNamedStringLabels() throws IOException {
    String text = "sepal,petal,species\n"
        + "5.1,1.4,setosa\n"
        + "\n"
        + "7.0,4.7,versicolor\n"
        + "6.3,6.0,virginica\n"
        + "4.9,1.5,setosa\n";
    Path p = dir.resolve("iris.csv");
    Files.writeString(p, text);
    Dataset d = Csv.format().header(true).labelColumn("species").read(p);
    assertThat(d.size()).isEqualTo(4);
    assertThat(d.shape().dims()).isEqualTo(new int[] {2});
    assertThat(d.features()).isEqualTo(new float[] {5.1f, 1.4f, 7.0f, 4.7f, 6.3f, 6.0f, 4.9f, 1.5f});
    assertThat(d.classNames()).containsExactly("setosa", "versicolor", "virginica").inOrder();
    assertThat(d.labels()).isEqualTo(new int[] {0, 1, 2, 0});
  }

  @Test
  void integerLabelsByIndexWithoutHeader() throws IOException {
    Dataset d = Csv.format().labelColumn(0).read("3,0.5,1\n0,2,-1e2\n", "inline");
    assertThat(d.labels()).isEqualTo(new int[] {3, 0});
    assertThat(d.numClasses()).isEqualTo(4);
    assertThat(d.classNames()).isNull();
    assertThat(d.features()).isEqualTo(new float[] {0.5f, 1f, 2f, -100f});
  }

  @Test
  void defaultLabelIsTheLastColumnAndNegativeIndicesCountFromTheEnd() throws IOException {
    assertThat(Csv.format().read("1,2,1\n3,4,0\n", "x").labels()).isEqualTo(new int[] {1, 0});
    assertThat(Csv.format().labelColumn(-2).read("1,2,7\n0,4,8\n", "x").features())
        .isEqualTo(new float[] {1, 7, 0, 8});
  }

  @Test
  void ignoredColumnsDelimiterAndQuotes() throws IOException {
    String text = "id;x;\"note\";y;label\n"
        + "17;1.5;\"a;b\";2;\"1\"\n"
        + "18;2.5;\"say \"\"hi\"\"\";3;0\n";
    Dataset d = Csv.format().header(true).delimiter(';').labelColumn("label").ignoreColumns("id", "note")
        .read(text, "q.csv");
    assertThat(d.features()).isEqualTo(new float[] {1.5f, 2f, 2.5f, 3f});
    assertThat(d.labels()).isEqualTo(new int[] {1, 0});
    Dataset byIndex = Csv.format().header(true).delimiter(';').ignoreColumns(0, 2).read(text, "q.csv");
    assertThat(byIndex.features()).isEqualTo(d.features());
  }

  @Test
  void regressionTarget() throws IOException {
    Dataset d = Csv.format().header(true).labelColumn("price").regression()
        .read("rooms,price,area\n3,250.5,80\n5,400,120\n", "houses");
    assertThat(d.hasLabels()).isFalse();
    assertThat(d.targets()).isEqualTo(new float[] {250.5f, 400f});
    assertThat(d.features()).isEqualTo(new float[] {3, 80, 5, 120});
  }

  private static CsvFormatException fails(Csv csv, String text) {
    return assertThrows(CsvFormatException.class, () -> csv.read(text, "data.csv"));
  }

  @Test
  void errorsNameLineAndColumn() {
    CsvFormatException e = fails(Csv.format().header(true), "a,b,label\n1,2,0\n1,x,1\n");
    assertThat(e).hasMessageThat().isEqualTo("data.csv line 3, column 2 ('b'): 'x' is not a number");
    assertThat(e.line()).isEqualTo(3);
    e = fails(Csv.format(), "1,2,0\n\n1,2\n");
    assertThat(e).hasMessageThat().isEqualTo("data.csv line 3: 2 columns, expected 3");
    e = fails(Csv.format(), "1,,0\n");
    assertThat(e).hasMessageThat().isEqualTo("data.csv line 1, column 2: missing value");
    e = fails(Csv.format(), "1,NaN,0\n");
    assertThat(e).hasMessageThat().contains("not a finite float");
    e = fails(Csv.format(), "1,2,\n");
    assertThat(e).hasMessageThat().contains("empty label");
    e = fails(Csv.format(), "1,2,\"0\n");
    assertThat(e).hasMessageThat().contains("line 1: unterminated quote");
    e = fails(Csv.format(), "1,2,-1\n");
    assertThat(e).hasMessageThat().contains("negative");
  }

  @Test
  void configurationErrors() {
    assertThat(fails(Csv.format().header(true).labelColumn("y"), "a,b\n1,2\n")).hasMessageThat()
        .contains("no column named 'y'");
    assertThat(fails(Csv.format().labelColumn("y"), "1,2\n")).hasMessageThat().contains("without a header");
    assertThat(fails(Csv.format().labelColumn(5), "1,2\n")).hasMessageThat().contains("label column 5 outside");
    assertThat(fails(Csv.format(), "")).hasMessageThat().contains("no data rows");
    assertThat(fails(Csv.format().header(true), "a,b\n")).hasMessageThat().contains("no data rows");
    assertThat(fails(Csv.format().header(true).ignoreColumns("zz"), "a,b\n1,2\n")).hasMessageThat()
        .contains("cannot ignore column 'zz'");
    assertThat(fails(Csv.format(), "1\n")).hasMessageThat().contains("no feature columns");
  }
}
