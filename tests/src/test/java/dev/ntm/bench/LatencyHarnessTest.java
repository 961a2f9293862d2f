package dev.ntm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import dev.ntm.engine.task.Sequence;
import org.junit.jupiter.api.Test;

/**
 * {@link LatencyHarness} against fake steppers that spin for a known time. Timing assertions use
 * only bounds that hold however slow or loaded the machine is (a step cannot take less than its
 * spin; a fixed-rate backlog grows at least by the overload).
 */
class LatencyHarnessTest {

    /** Sequences of lengths 3, 4, 5 whose input channel 0 holds 100 * sequence + step. */
    static List<Sequence> sequences() {
        List<Sequence> out = new ArrayList<>();
        int[] lengths = {3, 4, 5};
        for (int s = 0; s < lengths.length; s++) {
            int t = lengths[s];
            float[] in = new float[t * 2];
            for (int i = 0; i < t; i++) {
                in[i * 2] = 100 * s + i;
            }
            out.add(new Sequence(t, 2, 1, in, new float[t], new float[t]));
        }
        return out;
    }

    /** Spins for {@code ns} per step and checks that inputs arrive in order, resets at sequence starts. */
    static final class SpinStepper implements LatencyHarness.Stepper {
        final long ns;
        long steps;
        long resets;
        float previous = -1;
        boolean inOrder = true;

        SpinStepper(long ns) {
            this.ns = ns;
        }

        @Override
        public void reset() {
            resets++;
            previous = -1;
        }

        @Override
        public void step(float[] in, float[] out) {
            long until = System.nanoTime() + ns;
            // After a reset the step index (in[0] mod 100) is 0; otherwise it follows the previous one.
            float expectedStep = previous < 0 ? 0 : previous % 100 + 1;
            if (in[0] % 100 != expectedStep) {
                inOrder = false;
            }
            previous = in[0];
            out[0] = in[0];
            steps++;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
    }

    @Test
    void backToBackRecordsEveryStepAndResetsPerSequence() {
        SpinStepper s = new SpinStepper(2_000);
        LatencyHarness.Inputs inputs = LatencyHarness.Inputs.of(sequences());
        assertEquals(12, inputs.size());
        LatencyHarness.Result r = LatencyHarness.run(s, inputs, 1,
                new LatencyHarness.Settings(7, 1_200, 4, 0));
        assertEquals(1_200, r.steps());
        assertEquals(1_207, s.steps);
        assertTrue(s.inOrder, "inputs out of order or resets misplaced");
        // Measuring starts at a sequence start: 100 cycles of 3 sequences.
        assertEquals(300, r.resets());
        // No step can be shorter than its 2 us spin (histogram precision 0.1%).
        assertTrue(r.latency().getMinValue() >= 1_995, "min " + r.latency().getMinValue());
        assertEquals(4, r.blocks().size());
        assertEquals(300, r.blocks().get(0).getTotalCount());
        // The loop itself must not allocate: a single allocation per step would be >= 16 bytes.
        assertTrue(r.allocatedBytes() >= 0 && r.allocatedBytes() < r.steps(), "allocated " + r.allocatedBytes());

        List<BenchReport.Figure> figs = r.figures("inference");
        assertEquals(List.of("inference.p50", "inference.p90", "inference.p99", "inference.p99.9", "inference.max"),
                figs.stream().map(BenchReport.Figure::name).toList());
        assertEquals(r.percentile(50), figs.get(0).value(), 0.0);
        assertEquals(r.latency().getMaxValue(), figs.get(4).value(), 0.0);
        assertTrue(r.format().contains("back to back"), r.format());
    }

    @Test
    void fixedRateChargesTheBacklogToLatency() {
        // Each step takes >= 20 us but is due every 10 us: step i cannot end before
        // start + 20 us * (i + 1), so its latency from the intended start is >= 10 us * i + 20 us.
        SpinStepper s = new SpinStepper(20_000);
        LatencyHarness.Result r = LatencyHarness.run(s, LatencyHarness.Inputs.of(sequences()), 1,
                new LatencyHarness.Settings(0, 2_000, 2, 100_000));
        long bound = 10_000L * 1_999 + 20_000;
        assertTrue(r.latency().getMaxValue() >= bound * 0.999, "max " + r.latency().getMaxValue() + " < " + bound);
        // The service time is the spin, far below the queued latency.
        assertTrue(r.service().getMinValue() >= 19_980, "service min " + r.service().getMinValue());
        assertTrue(r.percentile(99) > 2 * r.service().getValueAtPercentile(99), r.format());
        assertTrue(r.format().contains("intended start"), r.format());
    }

    @Test
    void fixedRateNeverRunsFasterThanTheTarget() {
        SpinStepper s = new SpinStepper(1_000);
        int n = 1_000;
        double rate = 20_000;
        LatencyHarness.Result r = LatencyHarness.run(s, LatencyHarness.Inputs.of(sequences()), 1,
                new LatencyHarness.Settings(100, n, 2, rate));
        // The last step is due (n - 1) / rate after the first: the rate cannot exceed n / that.
        assertTrue(r.achievedRate() <= rate * n / (n - 1) * 1.0001, "rate " + r.achievedRate());
        // Latency is measured from the intended start, which is never after the actual start.
        assertTrue(r.latency().getMinValue() >= r.service().getMinValue() * 0.999);
    }

    @Test
    void settingsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new LatencyHarness.Settings(0, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new LatencyHarness.Settings(0, 10, 11, 0));
        assertThrows(IllegalArgumentException.class, () -> new LatencyHarness.Settings(0, 10, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> LatencyHarness.Inputs.of(List.of()));
        assertEquals(1_000_000, LatencyHarness.Settings.full().measuredSteps());
    }

    @Test
    void batchedInputsRunAGroupToItsLongestSequence() {
        List<Sequence> six = new ArrayList<>(sequences());
        six.addAll(sequences());
        LatencyHarness.Inputs in = LatencyHarness.Inputs.batched(six, 3);
        assertEquals(10, in.size(), "two groups of lengths 3, 4, 5 each last 5 steps");
        assertEquals(2, in.inputSize());
        for (int i = 0; i < in.size(); i++) {
            int t = i % 5;
            assertEquals(t == 0, in.startsSequence[i], "step " + i);
            for (int b = 0; b < 3; b++) {
                // sequence b has length 3 + b; after its end its inputs are zero
                float expected = t < 3 + b ? 100 * b + t : 0;
                assertEquals(expected, in.steps[i][b * 2], "step " + i + " sequence " + b);
                assertEquals(0f, in.steps[i][b * 2 + 1], "step " + i + " sequence " + b);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LatencyHarness.Inputs.batched(sequences(), 2));
        assertTrue(e.getMessage().contains("number of sequences (3) must be a positive multiple of the batch (2)"),
                e.getMessage());
    }
}
