package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.ntm.engine.io.Json;
import dev.ntm.engine.task.Curriculum;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.task.Tasks;
import dev.ntm.engine.train.TrainerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ntm train --task X} trains with the task's default recipe ({@link TrainerOptions#defaultsFor}
 * and {@link TrainerOptions#defaultCurriculum}), and every option given on the command line wins.
 * What a run used is read back from its run.json.
 */
class TaskRecipeCliTest {

    /** A small model and one batch of the largest recipe batch, so each run takes a moment. */
    private static Map<?, ?> train(Path dir, String task, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--task", task, "--memory", "16x6", "--hidden",
                "16", "--layers", "1", "--threads", "1", "--max-sequences", "32", "--eval-every", "32", "--eval-size",
                "5", "--out", dir.toString(), "--quiet"));
        args.addAll(List.of(more));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        Map<?, ?> root = (Map<?, ?>) Json.parse(Files.readString(dir.resolve(RunFolder.RUN_JSON)));
        return (Map<?, ?>) ((Map<?, ?>) ((List<?>) root.get("runs")).getFirst()).get("options");
    }

    private static Map<?, ?> config(Path dir) throws Exception {
        Map<?, ?> root = (Map<?, ?>) Json.parse(Files.readString(dir.resolve(RunFolder.RUN_JSON)));
        return (Map<?, ?>) ((Map<?, ?>) ((List<?>) root.get("runs")).getFirst()).get("config");
    }

    private static double number(Map<?, ?> options, String key) {
        return ((Number) options.get(key)).doubleValue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"copy", "repeat-copy", "associative-recall", "dynamic-ngrams", "priority-sort"})
    void trainUsesTheTasksRecipe(String name, @TempDir Path dir) throws Exception {
        Map<?, ?> o = train(dir, name);
        Task task = Tasks.byName(name);
        TrainerOptions want = TrainerOptions.defaultsFor(task);
        assertEquals(want.optimizer().id(), o.get("optimizer"), name);
        assertEquals(want.batch(), (int) number(o, "batch"), name);
        assertEquals(want.learningRate(), (float) number(o, "learning_rate"), name);
        assertEquals(want.clipping().toString(), o.get("clipping"), name);
        assertEquals(want.lrSchedule().toString(), o.get("lr_schedule"), name);
        assertEquals(want.minSequences(), (long) number(o, "min_sequences"), name);
        Curriculum plan = TrainerOptions.defaultCurriculum(task);
        assertEquals(plan == null ? null : plan.toString(), o.get("curriculum"), name);
    }

    @Test
    void theRecipesDifferWhereTheyWereMeasuredToDiffer(@TempDir Path dir) throws Exception {
        Map<?, ?> recall = train(dir.resolve("ar"), "associative-recall");
        assertEquals("adam", recall.get("optimizer"));
        assertEquals(8, (int) number(recall, "batch"));
        assertEquals("0.5:150000", recall.get("lr_schedule"));
        assertTrue(String.valueOf(recall.get("curriculum")).contains("largest items 3 of 6 (start 3, step 1, threshold 0.5)"),
                String.valueOf(recall.get("curriculum")));
        Map<?, ?> copy = train(dir.resolve("copy"), "copy");
        assertEquals("rmsprop", copy.get("optimizer"));
        assertEquals(1, (int) number(copy, "batch"));
        assertEquals(8e-4f, (float) number(copy, "learning_rate"));
        assertEquals("none", copy.get("lr_schedule"));
        assertEquals(12_000, (long) number(copy, "min_sequences"));
        assertEquals("learned", config(dir.resolve("copy")).get("memoryInit"), "copy's recipe learns its memory");
        assertEquals("constant", config(dir.resolve("ar")).get("memoryInit"), "the others keep the paper's");
        train(dir.resolve("copy-constant"), "copy", "--memory-init", "constant");
        assertEquals("constant", config(dir.resolve("copy-constant")).get("memoryInit"), "the option wins");
    }

    @Test
    void optionsGivenWinOverTheRecipe(@TempDir Path dir) throws Exception {
        Map<?, ?> o = train(dir.resolve("a"), "associative-recall", "--batch", "8", "--lr", "5e-4", "--lr-decay", "none",
                "--curriculum", "none", "--clip", "value:5");
        assertEquals("adam", o.get("optimizer"));
        assertEquals(8, (int) number(o, "batch"));
        assertEquals(5e-4f, (float) number(o, "learning_rate"));
        assertEquals("none", o.get("lr_schedule"));
        assertNull(o.get("curriculum"));
        assertEquals("value:5.0", o.get("clipping"));

        o = train(dir.resolve("b"), "associative-recall", "--lr-decay", "0.9:1000");
        assertEquals(8, (int) number(o, "batch"), "the rest of the recipe stays");
        assertEquals("0.9:1000", o.get("lr_schedule"));
        assertTrue(String.valueOf(o.get("curriculum")).contains("(start 3, step 1, threshold 0.5)"), o.toString());
    }

    @Test
    void aClippingSwitchIsRecordedAndNeedsACurriculum(@TempDir Path dir) throws Exception {
        Map<?, ?> o = train(dir.resolve("a"), "associative-recall", "--clip", "norm:5@6:norm:50");
        assertEquals("norm:5.0@6:norm:50.0", o.get("clipping"));

        CliRun r = CliRun.of("train", "--task", "copy", "--memory", "16x6", "--hidden", "16", "--max-sequences", "8",
                "--clip", "norm:5@3:norm:50", "--out", dir.resolve("b").toString(), "--quiet");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("has no curriculum"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
    }

    @Test
    void minSequencesIsRecordedAndMustNotBeNegative(@TempDir Path dir) throws Exception {
        Map<?, ?> o = train(dir.resolve("a"), "copy", "--min-sequences", "64");
        assertEquals(64, (long) number(o, "min_sequences"));

        CliRun r = CliRun.of("train", "--task", "copy", "--min-sequences", "-5", "--max-sequences", "8",
                "--out", dir.resolve("b").toString(), "--quiet");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--min-sequences must be >= 0"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
    }

    @Test
    void memoryInitOptionReachesTheConfiguration(@TempDir Path dir) throws Exception {
        train(dir.resolve("a"), "copy", "--memory-init", "learned");
        Map<?, ?> root = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("a").resolve(RunFolder.RUN_JSON)));
        Map<?, ?> config = (Map<?, ?>) ((Map<?, ?>) ((List<?>) root.get("runs")).getFirst()).get("config");
        assertEquals("learned", config.get("memoryInit"));

        CliRun r = CliRun.of("train", "--task", "copy", "--memory-init", "sideways", "--max-sequences", "8",
                "--out", dir.resolve("b").toString(), "--quiet");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--memory-init must be constant, learned or random"), r.err());
    }

    @Test
    void namingTheOtherOptimiserDropsTheRecipe(@TempDir Path dir) throws Exception {
        Map<?, ?> o = train(dir.resolve("a"), "associative-recall", "--optimizer", "rmsprop");
        assertEquals("rmsprop", o.get("optimizer"));
        assertEquals(1, (int) number(o, "batch"));
        assertEquals(TrainerOptions.DEFAULT_LEARNING_RATE, (float) number(o, "learning_rate"));
        assertEquals("value:10.0", o.get("clipping"));
        assertEquals("none", o.get("lr_schedule"));
        assertNull(o.get("curriculum"), "the recipe's curriculum goes with it");

        o = train(dir.resolve("b"), "copy", "--optimizer", "adam");
        assertEquals(1, (int) number(o, "batch"));
        assertEquals(1e-3f, (float) number(o, "learning_rate"));
        assertEquals("norm:50.0", o.get("clipping"));
        assertEquals(0, (long) number(o, "min_sequences"), "copy's minimum goes with its recipe");
        assertEquals("constant", config(dir.resolve("b")).get("memoryInit"), "and so does its learned memory");
    }
}
