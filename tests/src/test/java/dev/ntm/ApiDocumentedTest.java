package dev.ntm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public type and member of the exported packages of kernels and engine has a doc comment.
 * The build's javadoc runs doclint without its "missing" group (which would also demand an
 * {@code @param} line per parameter), so this test keeps the other half of it: javac's doclint
 * "missing" check, counting only "no comment" findings, over the exported packages.
 */
class ApiDocumentedTest {

    /** The packages module-info exports (kernels and engine). */
    private static final List<String> EXPORTED = List.of("dev.ntm.kernels", "dev.ntm.engine", "dev.ntm.engine.api",
            "dev.ntm.engine.io", "dev.ntm.engine.layout", "dev.ntm.engine.task", "dev.ntm.engine.train",
            "dev.ntm.engine.util");

    @Test
    void everyPublicTypeAndMemberOfTheApiHasADocComment(@TempDir Path out) throws IOException {
        Path root = RepoFiles.root();
        List<Path> sources = new ArrayList<>();
        for (String module : List.of("kernels", "engine")) {
            try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
                files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("module-info.java")).forEach(sources::add);
            }
        }
        assertTrue(sources.size() > 40, "found only " + sources.size() + " sources under kernels/ and engine/");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> undocumented = new ArrayList<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            // should-stop: doclint runs once a class is analysed; no need to generate code (saves a fifth)
            List<String> options = List.of("--release", "25", "--add-modules", "jdk.incubator.vector", "-proc:none",
                    "-d", out.toString(), "-XDshould-stop.ifNoError=FLOW", "-Xdoclint:missing/protected",
                    "-Xdoclint/package:" + String.join(",", EXPORTED));
            boolean compiled = javac.getTask(new StringWriter(), files, diagnostics, options, null,
                    files.getJavaFileObjectsFromPaths(sources)).call();
            assertTrue(compiled, () -> "kernels and engine do not compile: " + diagnostics.getDiagnostics());
        }
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            String message = d.getMessage(Locale.ROOT);
            if (message.contains("no comment")) {
                undocumented.add(root.relativize(Path.of(d.getSource().toUri())) + ":" + d.getLineNumber());
            }
        }
        assertEquals(List.of(), undocumented, "public types and members without a doc comment");
    }
}
