package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README's code honest. Every {@code java} block must appear, whitespace aside, in a source file of this
 * module's main code, which the build compiles: a snippet that stops compiling breaks the build instead of rotting
 * on the page. Every {@code mvn}, {@code java} and {@code curl} command in a shell block must name things that exist:
 * profiles, modules, main classes, {@code -Dkiln.*} options, server paths. Every Maven or Gradle coordinate must be
 * a module of this build. (The compile-error output blocks are checked by {@link CompileErrorsShowcaseTest}.)
 */
public class ReadmeTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path MAIN = Path.of("src", "main", "java");
  static final Path BENCHMARKS = ROOT.resolve(Path.of("benchmarks", "src", "main", "java"));

  public static String readme() throws IOException {
    return Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
  }

  /** The text of the section that starts with the heading line {@code heading}, up to the next heading of its level. */
  static String section(String readme, String heading) {
    int start = readme.indexOf(heading + "\n");
    assertWithMessage("README heading %s", heading).that(start).isAtLeast(0);
    String level = heading.substring(0, heading.indexOf(' ') + 1);
    int end = readme.indexOf("\n" + level, start + heading.length());
    return readme.substring(start, end < 0 ? readme.length() : end + 1);
  }

  /** The bodies of the fenced blocks of {@code language}, in order. */
  public static List<String> blocks(String readme, String language) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^```" + Pattern.quote(language) + "\\n(.*?)^```$", Pattern.DOTALL)
        .matcher(readme);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  static String normalize(String code) {
    return code.replaceAll("\\s+", " ").trim();
  }

  @Test
  void everyJavaBlockIsCompiledCode() throws IOException {
    List<String> java = blocks(readme(), "java");
    assertThat(java.size()).isAtLeast(6);
    List<String> sources = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        sources.add(normalize(Files.readString(f, StandardCharsets.UTF_8)));
      }
    }
    for (String block : java) {
      String code = normalize(block);
      assertWithMessage("this README java block is in no source file under samples/src/main/java (copy it from a"
          + " sample, or change the sample and the README together):%n%s", block)
          .that(sources.stream().anyMatch(s -> s.contains(code))).isTrue();
    }
  }

  @Test
  void shellCommandsNameThingsThatExist() throws IOException {
    String readme = readme();
    List<String> commands = new ArrayList<>();
    for (String block : blocks(readme, "sh")) {
      // Join continuation lines, drop comments and prompts.
      for (String line : block.replace("\\\n", " ").split("\n")) {
        String cmd = line.replaceFirst("^\\$ ", "").replaceFirst("\\s+#.*$", "").trim();
        if (!cmd.isEmpty()) {
          commands.add(cmd);
        }
      }
    }
    assertThat(commands).contains("mvn -q -DskipTests -Pdemo install");
    assertThat(commands).contains("mvn -B verify");
    Set<String> modules = modules();
    String samplesPom = Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
    for (String cmd : commands) {
      for (Matcher m = Pattern.compile("-P(\\S+)").matcher(cmd); m.find(); ) {
        for (String profile : m.group(1).split(",")) {
          assertWithMessage("profile %s of `%s`", profile, cmd).that(samplesPom).contains("<id>" + profile + "</id>");
        }
      }
      for (Matcher m = Pattern.compile("-pl (\\S+)").matcher(cmd); m.find(); ) {
        assertWithMessage("module of `%s`", cmd).that(modules).contains(m.group(1));
      }
      for (Matcher m = Pattern.compile("-Dkiln\\.(\\w+)=").matcher(cmd); m.find(); ) {
        // A property of the demo's build, or a system property the runtime reads.
        assertWithMessage("option -Dkiln.%s of `%s`", m.group(1), cmd)
            .that(samplesPom.contains("<kiln." + m.group(1)) || runtimeReads("kiln." + m.group(1))).isTrue();
      }
      for (Matcher m = Pattern.compile("(?:-Dexec\\.mainClass=|\\s)(dev\\.kiln\\.[\\w.]+)").matcher(cmd);
          m.find(); ) {
        Path source = (m.group(1).startsWith("dev.kiln.benchmarks.") ? BENCHMARKS : MAIN)
            .resolve(m.group(1).replace('.', '/') + ".java");
        assertWithMessage("main class of `%s`", cmd).that(Files.isRegularFile(source)).isTrue();
        assertWithMessage("%s has a main method", source).that(Files.readString(source))
            .contains("public static void main(String[] args)");
      }
      if (cmd.startsWith("curl")) {
        Matcher m = Pattern.compile("localhost:8080(/[a-z]+)").matcher(cmd);
        assertWithMessage("URL of `%s`", cmd).that(m.find()).isTrue();
        assertWithMessage("server path of `%s`", cmd).that(m.group(1)).isAnyOf("/predict", "/health", "/model");
      }
      for (Matcher m = Pattern.compile("@(\\S+\\.(?:json|png|pgm))").matcher(cmd); m.find(); ) {
        assertWithMessage("file uploaded by `%s`", cmd).that(Files.isRegularFile(ROOT.resolve(m.group(1)))).isTrue();
      }
    }
  }

  /** Whether a source file of the runtime names the system property {@code name}, in quotes. */
  private static boolean runtimeReads(String name) throws IOException {
    try (Stream<Path> files = Files.walk(ROOT.resolve(Path.of("runtime", "src", "main", "java")))) {
      for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
        if (Files.readString(file, StandardCharsets.UTF_8).contains("\"" + name + "\"")) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void coordinatesAreModulesOfThisBuild() throws IOException {
    String readme = readme();
    Set<String> artifacts = new LinkedHashSet<>();
    for (String block : blocks(readme, "xml")) {
      for (Matcher m = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(block); m.find(); ) {
        artifacts.add(m.group(1));
      }
    }
    for (String block : blocks(readme, "groovy")) {
      for (Matcher m = Pattern.compile("'dev\\.kiln:([^:']+):").matcher(block); m.find(); ) {
        artifacts.add(m.group(1));
      }
    }
    assertThat(artifacts).isNotEmpty();
    String version = Files.readString(ROOT.resolve("pom.xml")).replaceAll("(?s).*?<version>([^<]+)</version>.*",
        "$1");
    for (String block : blocks(readme, "xml")) {
      for (Matcher m = Pattern.compile("<version>([^<]+)</version>").matcher(block); m.find(); ) {
        assertWithMessage("version in the README's Maven block").that(m.group(1)).isEqualTo(version);
      }
    }
    for (String block : blocks(readme, "groovy")) {
      for (Matcher m = Pattern.compile("'dev\\.kiln:[^:']+:([^']+)'").matcher(block); m.find(); ) {
        assertWithMessage("version in the README's Gradle block").that(m.group(1)).isEqualTo(version);
      }
    }
    Set<String> built = new LinkedHashSet<>();
    for (String module : modules()) {
      // A module's own artifactId is the first one after its <parent> element.
      String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
      Matcher m = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(pom.substring(pom.indexOf("</parent>")));
      if (m.find()) {
        built.add(m.group(1));
      }
    }
    for (String artifact : artifacts) {
      assertWithMessage("artifact %s is a module of this build", artifact).that(built).contains(artifact);
    }
  }

  /** The modules listed in the root pom. */
  static Set<String> modules() throws IOException {
    Set<String> modules = new LinkedHashSet<>();
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
    while (m.find()) {
      modules.add(m.group(1));
    }
    return modules;
  }
}
