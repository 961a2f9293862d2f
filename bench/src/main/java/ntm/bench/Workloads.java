package ntm.bench;

import java.util.ArrayList;
import java.util.List;

import ntm.engine.NtmConfig;
import ntm.engine.api.NtmSession;
import ntm.engine.model.Network;
import ntm.engine.model.Parameters;
import ntm.engine.model.PassStats;
import ntm.engine.task.Sequence;
import ntm.engine.task.Task;
import ntm.engine.task.Tasks;
import ntm.engine.util.SplitMix64;
import ntm.kernels.Kernels;

/** The engine workloads the benchmarks time: copy-task inputs, a session stepper, a training loop. */
public final class Workloads {

    private Workloads() {
    }

    /** {@code count} copy-task sequences (NTM-SPEC 5, lengths 1..20) drawn from {@code seed}. */
    public static List<Sequence> copySequences(int count, long seed) {
        Task copy = Tasks.byName("copy");
        SplitMix64 rng = new SplitMix64(seed);
        List<Sequence> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(copy.generate(rng));
        }
        return out;
    }

    /** Mean number of steps of the sequences. */
    public static double meanSteps(List<Sequence> sequences) {
        long steps = 0;
        for (Sequence s : sequences) {
            steps += s.steps();
        }
        return (double) steps / sequences.size();
    }

    /** An inference session as a {@link LatencyHarness.Stepper}. */
    public static LatencyHarness.Stepper stepper(NtmSession session) {
        return new LatencyHarness.Stepper() {
            @Override
            public void reset() {
                session.reset();
            }

            @Override
            public void step(float[] in, float[] out) {
                session.step(in, out);
            }
        };
    }

    /**
     * Steps a session through pre-generated sequences, one step per {@link #run()}, resetting at
     * every sequence start; for timing single steps with {@link NanoTimer}.
     */
    public static final class SessionLoop implements Runnable {
        private final NtmSession session;
        private final LatencyHarness.Inputs inputs;
        private final float[] out;
        private int cursor;

        /** A loop over {@code inputs} with outputs of width {@code outputSize}. */
        public SessionLoop(NtmSession session, LatencyHarness.Inputs inputs, int outputSize) {
            this.session = session;
            this.inputs = inputs;
            this.out = new float[outputSize];
        }

        @Override
        public void run() {
            if (inputs.startsSequence[cursor]) {
                session.reset();
            }
            session.step(inputs.steps[cursor], out);
            cursor = cursor + 1 == inputs.size() ? 0 : cursor + 1;
        }

        /** The first output of the last step (for benchmarks to consume). */
        public float lastOutput() {
            return out[0];
        }
    }

    /**
     * One training batch per {@link #run()}: zero the gradient, forward and backward over the next
     * {@code batch} sequences of a fixed pool (the batch mean of NTM-SPEC 3). No optimiser step:
     * the parameters stay as initialised, so every run does the same work for the same sequences.
     */
    public static final class TrainingLoop implements Runnable, AutoCloseable {
        private final Network network;
        private final Parameters params;
        private final Parameters grads;
        private final Sequence[] pool;
        private final int batch;
        private final PassStats stats = new PassStats();
        private int cursor;

        /** A loop for {@code config} with {@code kernels}, batches of {@code batch} from {@code pool}. */
        public TrainingLoop(NtmConfig config, Kernels kernels, long seed, List<Sequence> pool, int batch) {
            if (batch < 1 || pool.size() < batch || pool.size() % batch != 0) {
                throw new IllegalArgumentException("the sequence pool (" + pool.size()
                        + ") must be a positive multiple of the batch (" + batch + ")");
            }
            int maxSteps = 1;
            for (Sequence s : pool) {
                maxSteps = Math.max(maxSteps, s.steps());
            }
            this.network = new Network(config, kernels, batch, maxSteps);
            this.params = Parameters.initialize(config, seed);
            this.grads = Parameters.zeros(params.layout());
            this.pool = pool.toArray(new Sequence[0]);
            this.batch = batch;
        }

        /** Sequences per run. */
        public int batch() {
            return batch;
        }

        @Override
        public void run() {
            grads.zero();
            network.forwardBackward(params.segment(), grads.segment(), pool, cursor, batch, 1f / batch, stats);
            cursor = cursor + batch == pool.length ? 0 : cursor + batch;
        }

        /** Loss and bit errors accumulated so far (a check that the work was done). */
        public PassStats stats() {
            return stats;
        }

        @Override
        public void close() {
            network.close();
        }
    }
}
