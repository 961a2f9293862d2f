package dev.ntm.engine.task;

import static dev.ntm.engine.task.CopyTaskTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;

class TasksTest {

    @Test
    void registryKnowsTheFiveTasks() {
        assertEquals(List.of("copy", "repeat-copy", "associative-recall", "dynamic-ngrams", "priority-sort"),
                Tasks.names());
        for (String name : Tasks.names()) {
            Task task = Tasks.byName(name);
            assertEquals(name, task.name());
            assertTrue(task.describe().startsWith(name + ": "), task.describe());
        }
        assertTrue(Tasks.byName("copy") instanceof CopyTask);
        assertTrue(Tasks.byName("priority-sort") instanceof PrioritySortTask);
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        for (String bad : new String[] {"cpy", "", "Copy"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tasks.byName(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
            for (String name : Tasks.names()) {
                assertTrue(e.getMessage().contains(name), "message should list " + name + ": " + e.getMessage());
            }
        }
        assertMessage(() -> Tasks.byName(null), "known tasks");
    }

    @Test
    void paperConfigurations() {
        int[][] xy = {{9, 8}, {10, 9}, {8, 6}, {1, 1}, {10, 8}};
        for (int i = 0; i < 5; i++) {
            String name = Tasks.names().get(i);
            NtmConfig c = Tasks.paperConfig(name);
            boolean sort = name.equals("priority-sort");
            assertEquals(xy[i][0], c.inputSize(), name + " X");
            assertEquals(xy[i][1], c.outputSize(), name + " Y");
            assertEquals(128, c.memoryRows(), name + " N");
            assertEquals(20, c.memoryWidth(), name + " M");
            assertEquals(NtmConfig.Controller.LSTM, c.controller(), name);
            assertEquals(100, c.hiddenSize(), name + " H");
            assertEquals(sort ? 2 : 1, c.layers(), name + " layers");
            assertEquals(sort ? 5 : 1, c.readHeads(), name + " read heads");
            assertEquals(sort ? 5 : 1, c.writeHeads(), name + " write heads");
        }
        assertEquals(NtmConfig.copyTask(), Tasks.paperConfig("copy"), "the copy configuration is NtmConfig's default");
        NtmConfig wide = Tasks.paperConfig(new CopyTask(12, 1, 5));
        assertEquals(13, wide.inputSize());
        assertEquals(12, wide.outputSize());
    }

    @Test
    void sameSeedGivesIdenticalSequences() {
        for (String name : Tasks.names()) {
            Task task = Tasks.byName(name);
            SplitMix64 a = new SplitMix64(42);
            SplitMix64 b = new SplitMix64(42);
            for (int i = 0; i < 20; i++) {
                assertSame(task.generate(a), task.generate(b), name + " sequence " + i);
            }
            Sequence other = task.generate(new SplitMix64(43));
            assertFalse(equal(task.generate(new SplitMix64(42)), other), name + ": seeds 42 and 43 gave one sequence");
        }
    }

    /**
     * A generator restored from a saved state word continues the same stream of sequences. The
     * saved generator holds a spare normal when its state is read; tasks never draw normals, so the
     * spare (which the state word does not carry) cannot matter.
     */
    @Test
    void restoredGeneratorResumesTheStream() {
        for (String name : Tasks.names()) {
            Task task = Tasks.byName(name);
            SplitMix64 original = new SplitMix64(7);
            for (int i = 0; i < 3; i++) {
                task.generate(original);
            }
            original.gaussian();
            long saved = original.state();
            List<Sequence> continued = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                continued.add(task.generate(original));
            }
            SplitMix64 restored = new SplitMix64(0);
            restored.setState(saved);
            for (int i = 0; i < 5; i++) {
                assertSame(continued.get(i), task.generate(restored), name + " sequence " + i + " after restore");
            }
        }
    }

    @Test
    void maxStepsIsReachedAndNeverExceeded() {
        List<Task> small = List.of(new CopyTask(2, 1, 3), new RepeatCopyTask(2, 1, 2, 1, 3, 3),
                new AssociativeRecallTask(2, 2, 2, 3), new DynamicNGramsTask(2, 9), new PrioritySortTask(2, 4, 3));
        for (Task task : small) {
            int longest = 0;
            for (long seed = 0; seed < 300; seed++) {
                longest = Math.max(longest, task.generate(new SplitMix64(seed)).steps());
            }
            assertEquals(task.maxSteps(), longest, task.describe());
        }
    }

    private static void assertSame(Sequence expected, Sequence actual, String what) {
        assertEquals(expected.steps(), actual.steps(), what + " steps");
        assertArrayEquals(expected.inputs(), actual.inputs(), what + " inputs");
        assertArrayEquals(expected.targets(), actual.targets(), what + " targets");
        assertArrayEquals(expected.mask(), actual.mask(), what + " mask");
    }

    private static boolean equal(Sequence a, Sequence b) {
        return a.steps() == b.steps() && Arrays.equals(a.inputs(), b.inputs())
                && Arrays.equals(a.targets(), b.targets()) && Arrays.equals(a.mask(), b.mask());
    }
}
