/**
 * The ntm engine: a Neural Turing Machine (docs/SPEC.md) to load and step
 * ({@link dev.ntm.engine.api.NtmModel}, {@link dev.ntm.engine.api.NtmSession}), to train
 * ({@link dev.ntm.engine.train.Trainer} on a {@link dev.ntm.engine.task.Task}) and to save
 * ({@link dev.ntm.engine.io.Checkpoint}).
 *
 * <p>Exported: the configuration, the embedding API, training, tasks, files, the parameter layout
 * and the utilities their signatures use. The forward and backward passes (model, controller,
 * addressing, memory) are internal and may change in any release.
 */
module dev.ntm.engine {
    requires transitive dev.ntm.kernels;
    // JitWarmUp watches the JIT compiler's activity
    requires java.management;
    // MemoryBudget reads the physical memory size (com.sun.management.OperatingSystemMXBean)
    requires jdk.management;

    exports dev.ntm.engine;
    exports dev.ntm.engine.api;
    exports dev.ntm.engine.io;
    exports dev.ntm.engine.layout;
    exports dev.ntm.engine.task;
    exports dev.ntm.engine.train;
    exports dev.ntm.engine.util;
}
