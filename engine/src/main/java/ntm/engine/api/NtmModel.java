package ntm.engine.api;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

import ntm.engine.NtmConfig;
import ntm.engine.io.Checkpoint;
import ntm.engine.layout.ParamLayout;
import ntm.engine.model.Parameters;
import ntm.kernels.KernelProvider;
import ntm.kernels.Kernels;

/**
 * A trained (or freshly initialised) Neural Turing Machine: a configuration and its parameters.
 * Immutable and thread-safe: the parameters are copied in at construction and never written;
 * every caller steps its own {@link NtmSession}.
 *
 * <pre>{@code
 * NtmModel model = NtmModel.create(NtmConfig.copyTask(), 42);
 * NtmSession session = model.newSession();
 * float[] out = new float[model.config().outputSize()];
 * session.step(input, out);   // out = sigmoid of the logits
 * }</pre>
 */
public final class NtmModel {

    private final NtmConfig config;
    private final Parameters parameters;
    private final MemorySegment readOnly;
    private final Kernels kernels;

    private NtmModel(NtmConfig config, Parameters parameters, Kernels kernels) {
        this.config = config;
        this.parameters = parameters;
        this.readOnly = parameters.segment().asReadOnly();
        this.kernels = kernels;
    }

    /** A new model of {@code config} initialised as in NTM-SPEC section 2 from {@code seed}. */
    public static NtmModel create(NtmConfig config, long seed) {
        Objects.requireNonNull(config, "config");
        return new NtmModel(config, Parameters.initialize(config, seed), KernelProvider.get());
    }

    /**
     * A model of {@code config} with a copy of {@code parameters}, laid out as
     * {@code ParamLayout.of(config)} (NTM-SPEC section 6 order); every value must be finite.
     */
    public static NtmModel of(NtmConfig config, float[] parameters) {
        Objects.requireNonNull(config, "config");
        if (parameters == null) {
            throw new IllegalArgumentException("parameters is null");
        }
        ParamLayout layout = ParamLayout.of(config);
        if (parameters.length != layout.size()) {
            throw new IllegalArgumentException("parameters must hold " + layout.size() + " floats for " + config
                    + ", got " + parameters.length);
        }
        for (int i = 0; i < parameters.length; i++) {
            if (!Float.isFinite(parameters[i])) {
                throw new IllegalArgumentException("parameter " + layout.describe(i) + " = " + parameters[i]
                        + "; parameters must be finite");
            }
        }
        return new NtmModel(config, Parameters.of(layout, parameters), KernelProvider.get());
    }

    /**
     * Loads a model from a checkpoint file (NTM-SPEC section 6); training state in the file is
     * ignored. The file is fully checked before a model is built (see {@link Checkpoint#load}).
     */
    public static NtmModel load(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        Checkpoint.Loaded c = Checkpoint.load(path);
        return of(c.config(), c.params());
    }

    /** Saves the configuration and parameters as a checkpoint file, atomically. */
    public void save(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        Checkpoint.save(path, config, readOnly, Map.of(), Map.of());
    }

    /** The same model computed with other kernels (for example the scalar reference); shares the parameters. */
    public NtmModel withKernels(Kernels kernels) {
        return new NtmModel(config, parameters, Objects.requireNonNull(kernels, "kernels"));
    }

    /** The configuration. */
    public NtmConfig config() {
        return config;
    }

    /** The kernels the sessions use. */
    public Kernels kernels() {
        return kernels;
    }

    /** The parameter layout. */
    public ParamLayout layout() {
        return parameters.layout();
    }

    /** A copy of the parameters, in layout order. */
    public float[] parameters() {
        return parameters.toArray();
    }

    /** A read-only view of the parameter segment (for trainers and tools; never written). */
    public MemorySegment parameterSegment() {
        return readOnly;
    }

    /** A session of one sequence, at the initial state. */
    public NtmSession newSession() {
        return new NtmSession(this, 1);
    }

    /** A session stepping {@code batchSize} independent sequences together. */
    public NtmSession newSession(int batchSize) {
        return new NtmSession(this, batchSize);
    }
}
