package dev.ntm.serve;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ntm.RepoFiles;
import dev.ntm.engine.api.NtmModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's serving example runs: {@link #serve} holds, between the README markers, the code of
 * the README's section "Serving many sessions", which must end with exactly that text (the README
 * adds the import, the model's loading and the counters file's name). Running it steps a session through the runner (two
 * runner threads, a counters file) and gets what the session gives alone.
 */
class ServeReadmeExampleTest {

    private static final Pattern REGION = Pattern.compile("// README:begin\\n(.*?)\\n[ \\t]*// README:end", Pattern.DOTALL);

    @Test
    void theExampleServesASession(@TempDir Path dir) throws IOException {
        NtmModel model = ServeFixtures.model();
        float[] in = new float[model.config().inputSize()];
        ServeFixtures.input(3, 0, in);
        float[] out = new float[model.config().outputSize()];
        serve(model, in, out, dir.resolve("ntm.counters"));
        float[] alone = new float[out.length];
        model.newSession().step(in, alone);
        ServeFixtures.assertBitIdentical(alone, out, out.length, "the example's session");
        assertTrue(Files.size(dir.resolve("ntm.counters")) > 0, "the counters file");
    }

    @Test
    void theReadmeShowsTheExamplesCode() throws IOException {
        Path root = RepoFiles.root();
        String source = Files.readString(root.resolve("tests/src/test/java/dev/ntm/serve/ServeReadmeExampleTest.java"));
        Matcher m = REGION.matcher(source.substring(source.indexOf("static void serve(")));
        assertTrue(m.find(), "no README region in serve()");
        String region = m.group(1).stripIndent().stripTrailing();
        String block = serveBlock(Files.readString(root.resolve("README.md")));
        assertTrue(block.endsWith("\n" + region), "README.md's serving code must end with the code of serve() in "
                + "ServeReadmeExampleTest:\n" + region + "\n--- README has:\n" + block);
    }

    /** The first {@code java} block after the heading "## Serving many sessions". */
    private static String serveBlock(String readme) {
        int section = readme.indexOf("\n## Serving many sessions\n");
        assertTrue(section >= 0, "README.md has no section '## Serving many sessions'");
        int start = readme.indexOf("\n```java\n", section) + "\n```java\n".length();
        int end = readme.indexOf("\n```\n", start);
        assertTrue(start > section && end > start, "README.md's serving section has no closed ```java block");
        return readme.substring(start, end).stripTrailing();
    }

    private static void serve(NtmModel model, float[] in, float[] out, Path countersFile) throws IOException {
        // README:begin
        model.warmUp(Duration.ofSeconds(10));
        ServeOptions options = ServeOptions.defaults()            // 1,024 sessions, batches of up to 64
                .withRunners(2)                                   // runner threads: one per core spent serving
                .withCountersFile(countersFile)                   // live counters: ./ntm stat FILE
                .withIdleEviction(Duration.ofMinutes(5))
                .withBackPressure(BackPressure.block(Duration.ofMillis(50)));  // or BackPressure.reject()
        try (ServeRunner runner = ServeRunner.start(model, options)) {
            ServedSession session = runner.open();               // one per user, device or stream
            session.step(in, out);                               // allocates nothing; from any one thread at a time
            session.reset();
            session.submit(in);                                  // or split, to keep many sessions in flight
            session.await(out);
            session.close();                                     // its state is recycled for the next open
        }
        // README:end
    }
}
