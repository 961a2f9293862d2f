package dev.ntm.bench;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmSession;
import dev.ntm.engine.model.Network;
import dev.ntm.engine.model.Parameters;
import dev.ntm.engine.model.PassStats;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.task.Tasks;
import dev.ntm.engine.train.GradientClipping;
import dev.ntm.engine.train.Optimizer;
import dev.ntm.engine.train.TrainerOptions;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Kernels;

/** The engine workloads the benchmarks time: copy-task inputs, a session stepper, a training loop. */
public final class Workloads {

    private Workloads() {
    }

    /** {@code count} copy-task sequences (docs/SPEC.md 5, lengths 1..20) drawn from {@code seed}. */
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

        /** A loop over {@code inputs} writing {@code outputSize} floats per step (batch * Y). */
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
     * The copy training recipe benchmarked at a batch size, as {@code ntm train} runs it: at batch
     * 1 the trainer's defaults for copy (RMSProp in Graves' form, lr 8e-4, element-wise clip 10), at
     * any other batch the Adam recipe of Collier &amp; Beel (lr 1e-3, global-norm clip 50).
     */
    public static TrainerOptions recipe(int batch) {
        TrainerOptions defaults = TrainerOptions.defaultsFor(Tasks.byName("copy"));
        return batch == 1 ? defaults : defaults.adamRecipe().withBatch(batch);
    }

    /**
     * One training batch per {@link #run()}, as the trainer does it on one thread: zero the
     * gradient, forward and backward over the next {@code batch} sequences of a fixed pool (the
     * batch mean of docs/SPEC.md 3), clip the gradient, one optimiser step.
     */
    public static final class TrainingLoop implements Runnable, AutoCloseable {
        private final Arena arena = Arena.ofShared();
        private final Kernels kernels;
        private final Network network;
        private final Parameters params;
        private final Parameters grads;
        private final Optimizer optimizer;
        private final GradientClipping clipping;
        private final int size;
        private final Sequence[] pool;
        private final int batch;
        private final PassStats stats = new PassStats();
        private int cursor;

        /**
         * A loop for {@code config} with {@code kernels}, initialised from {@code seed}, running
         * batches of {@code recipe.batch()} from {@code pool} with the recipe's optimiser and
         * clipping.
         */
        public TrainingLoop(NtmConfig config, Kernels kernels, long seed, List<Sequence> pool, TrainerOptions recipe) {
            int b = recipe.batch();
            if (pool.size() < b || pool.size() % b != 0) {
                throw new IllegalArgumentException("the sequence pool (" + pool.size()
                        + ") must be a positive multiple of the batch (" + b + ")");
            }
            int maxSteps = 1;
            for (Sequence s : pool) {
                maxSteps = Math.max(maxSteps, s.steps());
            }
            this.kernels = kernels;
            this.params = Parameters.initialize(config, seed);
            this.grads = Parameters.zeros(params.layout());
            this.size = Math.toIntExact(params.size());
            this.network = new Network(config, kernels, b, maxSteps);
            this.optimizer = Optimizer.create(recipe.optimizer(), recipe.learningRate(), kernels, arena, size);
            this.clipping = recipe.clipping();
            this.pool = pool.toArray(new Sequence[0]);
            this.batch = b;
        }

        /** Sequences per run. */
        public int batch() {
            return batch;
        }

        /** The optimiser's kind. */
        public Optimizer.Kind optimizer() {
            return optimizer.kind();
        }

        @Override
        public void run() {
            grads.zero();
            network.forwardBackward(params.segment(), grads.segment(), pool, cursor, batch, 1f / batch, stats);
            double norm = Math.sqrt(kernels.sumOfSquares(grads.segment(), 0, size));
            clipping.applyNorm(kernels, grads.segment(), size, norm);
            optimizer.step(params.segment(), grads.segment(), clipping.elementBound());
            cursor = cursor + batch == pool.length ? 0 : cursor + batch;
        }

        /** The parameters being trained. */
        public Parameters parameters() {
            return params;
        }

        /** Loss and bit errors accumulated so far (a check that the work was done). */
        public PassStats stats() {
            return stats;
        }

        @Override
        public void close() {
            network.close();
            arena.close();
        }
    }
}
