package dev.kiln.runtime.data;

import dev.kiln.runtime.Shape;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a delimited text file of numbers into a {@link Dataset}: one sample per line, every column but the label
 * column (and any ignored ones) a numeric feature. Configure fluently, then read:
 *
 * <pre>{@code
 * Dataset iris = Csv.format().header(true).labelColumn("species").read(Path.of("iris.csv"));
 * }</pre>
 *
 * <p>Class labels may be non-negative integers, used as they are, or any other text, in which case the distinct
 * values become classes {@code 0..k-1} in sorted order and the data set carries them as class names. With
 * {@link #regression()} the label column is read as a float target instead.
 *
 * <p>Blank lines are skipped; fields may be double-quoted. Any problem (a non-number, a missing value, a short row)
 * stops the read with a {@link CsvFormatException} naming the line and column, because silently skipping bad rows
 * changes the data a model learns from.
 */
public final class Csv {
  private boolean header;
  private char delimiter = ',';
  private Integer labelIndex = -1;
  private String labelName;
  private boolean regression;
  private final Set<Integer> ignoredIndices = new HashSet<>();
  private final Set<String> ignoredNames = new HashSet<>();

  private Csv() {}

  /** A reader with defaults: no header, comma-separated, label in the last column, class labels. */
  public static Csv format() {
    return new Csv();
  }

  /** Whether the first line names the columns. */
  public Csv header(boolean header) {
    this.header = header;
    return this;
  }

  public Csv delimiter(char delimiter) {
    this.delimiter = delimiter;
    return this;
  }

  /** The label column by 0-based index; negative counts from the end ({@code -1} is the last column). */
  public Csv labelColumn(int index) {
    this.labelIndex = index;
    this.labelName = null;
    return this;
  }

  /** The label column by its header name (needs {@link #header(boolean)}). */
  public Csv labelColumn(String name) {
    this.labelName = name;
    this.labelIndex = null;
    return this;
  }

  /** Reads the label column as a float regression target rather than a class. */
  public Csv regression() {
    this.regression = true;
    return this;
  }

  /** Columns (0-based; negative from the end) that are neither features nor the label, such as an id. */
  public Csv ignoreColumns(int... indices) {
    for (int i : indices) {
      ignoredIndices.add(i);
    }
    return this;
  }

  /** Columns, by header name, that are neither features nor the label. */
  public Csv ignoreColumns(String... names) {
    ignoredNames.addAll(Arrays.asList(names));
    return this;
  }

  /** Reads a UTF-8 file. */
  public Dataset read(Path path) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      return read(in, path.toString());
    }
  }

  /** Reads text already in memory; {@code source} names it in errors. */
  public Dataset read(String text, String source) throws IOException {
    return read(new StringReader(text), source);
  }

  /**
   * Reads from {@code reader} (not closed).
   *
   * @param source names the data in error messages
   */
  public Dataset read(Reader reader, String source) throws IOException {
    BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    String[] names = null;
    int columns = -1;
    int label = -1;
    boolean[] feature = null;
    int featureCount = 0;
    FloatList values = new FloatList();
    List<String> labelTexts = new ArrayList<>();
    FloatList targets = new FloatList();
    String line;
    int lineNo = 0;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      String[] fields = split(line, source, lineNo);
      if (columns < 0) {
        columns = fields.length;
        if (header) {
          names = fields;
        }
        label = resolveLabel(names, columns, source, lineNo);
        feature = new boolean[columns];
        for (int c = 0; c < columns; c++) {
          feature[c] = c != label && !isIgnored(c, names, columns);
        }
        for (boolean f : feature) {
          featureCount += f ? 1 : 0;
        }
        if (featureCount == 0) {
          throw new CsvFormatException(source + " line " + lineNo + ": no feature columns are left", lineNo);
        }
        checkIgnoredNames(names, source, lineNo);
        if (header) {
          continue;
        }
      }
      if (fields.length != columns) {
        throw new CsvFormatException(
            source + " line " + lineNo + ": " + fields.length + " columns, expected " + columns, lineNo);
      }
      for (int c = 0; c < columns; c++) {
        if (feature[c]) {
          values.add(parse(fields[c], source, lineNo, c, names));
        }
      }
      if (regression) {
        targets.add(parse(fields[label], source, lineNo, label, names));
      } else {
        String text = fields[label].trim();
        if (text.isEmpty()) {
          throw new CsvFormatException(
              source + " line " + lineNo + ", " + describe(label, names) + ": empty label", lineNo);
        }
        labelTexts.add(text);
      }
    }
    int rows = regression ? targets.size() : labelTexts.size();
    if (rows == 0) {
      throw new CsvFormatException(source + ": no data rows", 0);
    }
    Shape shape = Shape.of(featureCount);
    if (regression) {
      return Dataset.regression(values.toArray(), shape, targets.toArray(), 1);
    }
    return classes(values.toArray(), shape, labelTexts, source);
  }

  /** Integer labels stay as they are; any other text becomes sorted class names. */
  private static Dataset classes(float[] features, Shape shape, List<String> texts, String source)
      throws CsvFormatException {
    int[] labels = new int[texts.size()];
    boolean integral = true;
    for (int i = 0; i < labels.length && integral; i++) {
      try {
        labels[i] = Integer.parseInt(texts.get(i));
      } catch (NumberFormatException e) {
        integral = false;
      }
    }
    if (integral) {
      for (int i = 0; i < labels.length; i++) {
        if (labels[i] < 0) {
          throw new CsvFormatException(
              source + ": class label " + labels[i] + " of data row " + (i + 1) + " is negative", 0);
        }
      }
      return Dataset.classification(features, shape, labels);
    }
    List<String> names = new ArrayList<>(new TreeSet<>(texts));
    for (int i = 0; i < labels.length; i++) {
      labels[i] = java.util.Collections.binarySearch(names, texts.get(i));
    }
    return Dataset.classification(features, shape, labels, names.size()).withClassNames(names);
  }

  private int resolveLabel(String[] names, int columns, String source, int lineNo) throws CsvFormatException {
    if (labelName != null) {
      if (names == null) {
        throw new CsvFormatException(
            source + ": label column '" + labelName + "' is named, but the file is read without a header", lineNo);
      }
      for (int c = 0; c < names.length; c++) {
        if (names[c].trim().equals(labelName)) {
          return c;
        }
      }
      throw new CsvFormatException(
          source + " line " + lineNo + ": no column named '" + labelName + "' in " + Arrays.toString(names), lineNo);
    }
    int c = labelIndex < 0 ? columns + labelIndex : labelIndex;
    if (c < 0 || c >= columns) {
      throw new CsvFormatException(
          source + " line " + lineNo + ": label column " + labelIndex + " outside a row of " + columns + " columns",
          lineNo);
    }
    return c;
  }

  private boolean isIgnored(int c, String[] names, int columns) {
    if (ignoredIndices.contains(c) || ignoredIndices.contains(c - columns)) {
      return true;
    }
    return names != null && ignoredNames.contains(names[c].trim());
  }

  private void checkIgnoredNames(String[] names, String source, int lineNo) throws CsvFormatException {
    for (String n : ignoredNames) {
      boolean found = false;
      for (int c = 0; names != null && c < names.length; c++) {
        found |= names[c].trim().equals(n);
      }
      if (!found) {
        throw new CsvFormatException(source + " line " + lineNo + ": cannot ignore column '" + n + "': "
            + (names == null ? "the file is read without a header" : "no such column in " + Arrays.toString(names)),
            lineNo);
      }
    }
  }

  private static float parse(String field, String source, int lineNo, int column, String[] names)
      throws CsvFormatException {
    String s = field.trim();
    if (s.isEmpty()) {
      throw new CsvFormatException(
          source + " line " + lineNo + ", " + describe(column, names) + ": missing value", lineNo);
    }
    float v;
    try {
      v = Float.parseFloat(s);
    } catch (NumberFormatException e) {
      throw new CsvFormatException(
          source + " line " + lineNo + ", " + describe(column, names) + ": '" + s + "' is not a number", lineNo);
    }
    if (!Float.isFinite(v)) {
      throw new CsvFormatException(
          source + " line " + lineNo + ", " + describe(column, names) + ": '" + s + "' is not a finite float",
          lineNo);
    }
    return v;
  }

  private static String describe(int column, String[] names) {
    return "column " + (column + 1) + (names != null ? " ('" + names[column].trim() + "')" : "");
  }

  /** Splits one line, honouring double quotes ({@code ""} inside quotes is a literal quote). */
  private String[] split(String line, String source, int lineNo) throws CsvFormatException {
    List<String> out = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          field.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == delimiter) {
        out.add(field.toString());
        field.setLength(0);
      } else {
        field.append(ch);
      }
    }
    if (quoted) {
      throw new CsvFormatException(source + " line " + lineNo + ": unterminated quote", lineNo);
    }
    out.add(field.toString());
    return out.toArray(new String[0]);
  }

  /** A growable float array, so reading does not box every value. */
  private static final class FloatList {
    private float[] a = new float[1024];
    private int n;

    void add(float v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[n++] = v;
    }

    int size() {
      return n;
    }

    float[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
