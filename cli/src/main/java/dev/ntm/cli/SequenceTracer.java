package dev.ntm.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.io.TraceFile;
import dev.ntm.engine.model.Network;
import dev.ntm.engine.model.Recording;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.KernelProvider;

/** Runs one task sequence through a model and records everything as a {@link TraceFile.Trace}. */
final class SequenceTracer {

    private SequenceTracer() {
    }

    /**
     * Traces sequence {@code seed} of {@code task} through the model {@code params}.
     *
     * @param memory whether to keep the [T+1, N, M] memory
     * @param meta   extra metadata for the trace (task, checkpoint...)
     */
    static TraceFile.Trace trace(NtmConfig config, float[] params, Task task, long seed, boolean memory,
                                 Map<String, String> meta) {
        if (task.inputSize() != config.inputSize() || task.outputSize() != config.outputSize()) {
            throw new IllegalArgumentException("the model has X=" + config.inputSize() + ", Y=" + config.outputSize()
                    + " but task " + task.name() + " needs X=" + task.inputSize() + ", Y=" + task.outputSize()
                    + " (pass the task it was trained on with --task)");
        }
        Sequence seq = task.generate(new SplitMix64(seed));
        Recording rec;
        try (Arena arena = Arena.ofShared(); // not confined: see Kernels
             Network net = new Network(config, KernelProvider.get(), 1, seq.steps())) {
            MemorySegment p = Buffers.allocate(arena, params.length);
            Buffers.copy(params, 0, p, 0, params.length);
            rec = net.record(p, seq);
        }
        return new TraceFile.Trace(config, seq.inputs(), seq.targets(), seq.mask(), rec.logits(),
                rec.readWeights(), rec.writeWeights(), memory ? rec.memory() : null, rec.addVectors(),
                rec.eraseVectors(), (float) rec.loss(), rec.gradients(), meta);
    }
}
