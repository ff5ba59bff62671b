package dev.kiln.processor;

import com.google.auto.service.AutoService;
import dev.kiln.processor.generate.NetworkGenerator;
import dev.kiln.processor.model.NetworkModel;
import dev.kiln.processor.plan.NetworkPlan;
import dev.kiln.processor.read.NetworkDeclaration;
import dev.kiln.processor.read.NetworkReader;
import dev.kiln.processor.validate.Message;
import dev.kiln.processor.validate.NetworkValidator;
import dev.kiln.processor.validate.Report;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * The entry point javac calls: for each {@code @Network} type, read → validate → plan → generate. It owns no rules
 * itself. A user's mistake becomes a diagnostic from the report; an unexpected exception becomes an
 * {@code [Internal]} error on the type, and the other networks of the compilation still generate.
 *
 * <p>Option {@code -Akiln.summary=true} prints each network's layer table as a compile-time note.
 */
@AutoService(Processor.class)
public final class KilnProcessor extends AbstractProcessor {
  /** Namespaced option: print each network's summary table as a NOTE. */
  public static final String SUMMARY_OPTION = "kiln.summary";

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return Set.of(NetworkReader.NETWORK);
  }

  @Override
  public Set<String> getSupportedOptions() {
    return Set.of(SUMMARY_OPTION);
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    TypeElement network = processingEnv.getElementUtils().getTypeElement(NetworkReader.NETWORK);
    if (network == null) {
      return false;
    }
    for (Element element : round.getElementsAnnotatedWith(network)) {
      try {
        processNetwork((TypeElement) element);
      } catch (RuntimeException | java.io.IOException | LinkageError e) {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
            Message.INTERNAL.format(element.getSimpleName(), describe(e)), element);
      }
    }
    return false;
  }

  private void processNetwork(TypeElement type) throws java.io.IOException {
    NetworkDeclaration declaration = new NetworkReader(processingEnv.getElementUtils()).read(type);
    NetworkValidator validator = new NetworkValidator();
    Optional<NetworkModel> model = validator.validate(declaration);
    Report report = validator.report();
    report.printTo(processingEnv.getMessager());
    if (model.isEmpty() || !report.isClean()) {
      return;
    }
    NetworkPlan plan = NetworkPlan.of(model.get());
    if (Boolean.parseBoolean(processingEnv.getOptions().get(SUMMARY_OPTION))) {
      processingEnv.getMessager().printMessage(Diagnostic.Kind.NOTE,
          "[Summary] " + model.get().interfaceName() + "\n" + plan.summaryTable(), type);
    }
    new NetworkGenerator(processingEnv.getFiler(), processingEnv.getElementUtils()).generate(plan, type);
  }

  private static String describe(Throwable e) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    String[] lines = trace.toString().split("\n");
    return e + (lines.length > 1 ? " " + lines[1].trim() : "");
  }
}
