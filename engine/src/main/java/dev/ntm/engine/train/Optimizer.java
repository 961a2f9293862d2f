package dev.ntm.engine.train;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * A first-order optimiser over the flat parameter buffer (docs/SPEC.md section 4). Its moments are
 * buffers in the parameter layout, so one step is one fused kernel loop and a checkpoint saves
 * them as they are.
 */
public abstract sealed class Optimizer permits Adam, RmsProp {

    /** Which optimiser, as named on the command line and in checkpoints. */
    public enum Kind {
        /** Adam, with bias correction. */
        ADAM("adam", "Adam"),
        /** RMSProp in the form of Graves 2013 (with momentum). */
        RMSPROP("rmsprop", "RMSProp");

        private final String id;
        private final String label;

        Kind(String id, String label) {
            this.id = id;
            this.label = label;
        }

        /** The lower-case name. */
        public String id() {
            return id;
        }

        /** The name as written in prose and messages. */
        public String label() {
            return label;
        }

        /** Parses {@code adam} or {@code rmsprop}. */
        public static Kind parse(String s) {
            for (Kind k : values()) {
                if (k.id.equalsIgnoreCase(s)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown optimiser '" + s + "': expected adam or rmsprop");
        }
    }

    /** The kernels the update loop runs on. */
    protected final Kernels kernels;
    /** Floats in the parameter buffer. */
    protected final int size;
    private final String[] momentNames;
    private final MemorySegment[] moments;
    /** Updates applied so far (Adam's bias correction counts them). */
    protected long steps;
    private final Kind kind;
    /** The learning rate of the next step. */
    protected float lr;

    Optimizer(Kind kind, Kernels kernels, Arena arena, int size, float lr, String... momentNames) {
        if (size < 1) {
            throw new IllegalArgumentException("optimiser needs a buffer of >= 1 floats, got " + size);
        }
        this.kind = kind;
        this.kernels = kernels;
        setLearningRate(lr);
        this.size = size;
        this.momentNames = momentNames.clone();
        this.moments = new MemorySegment[momentNames.length];
        for (int i = 0; i < moments.length; i++) {
            moments[i] = Buffers.allocate(arena, size);
        }
    }

    /** Creates an optimiser of the given kind with the spec's default hyper-parameters and {@code lr}. */
    public static Optimizer create(Kind kind, float lr, Kernels kernels, Arena arena, int size) {
        return switch (kind) {
            case ADAM -> new Adam(kernels, arena, size, lr);
            case RMSPROP -> new RmsProp(kernels, arena, size, lr);
        };
    }

    /** The spec's default learning rate: 1e-3 for Adam, 1e-4 for RMSProp. */
    public static float defaultLearningRate(Kind kind) {
        return kind == Kind.ADAM ? 1e-3f : 1e-4f;
    }

    /** This optimiser's kind. */
    public final Kind kind() {
        return kind;
    }

    /** The learning rate. */
    public final float learningRate() {
        return lr;
    }

    /** Sets the learning rate of the following steps (a schedule's decay); the moments are kept. */
    public final void setLearningRate(float lr) {
        if (!(lr > 0) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException(kind().label() + " learning rate must be finite and > 0, got " + lr);
        }
        this.lr = lr;
    }

    /** Applies one update to {@code params} from {@code grads} (both {@code size} floats). */
    public final void step(MemorySegment params, MemorySegment grads) {
        step(params, grads, Float.POSITIVE_INFINITY);
    }

    /**
     * Applies one update from {@code grads} clamped element-wise to {@code [-clip, clip]} (the
     * clamp fused into the update's single pass; {@code grads} is left unchanged): the same
     * result as {@link GradientClipping#apply} with element-wise clipping, then {@link #step}.
     */
    public final void step(MemorySegment params, MemorySegment grads, float clip) {
        begin();
        update(params, grads, clip, 0, size);
    }

    /**
     * Starts a step to be applied by one or more {@link #update} calls over disjoint ranges that
     * together cover all {@code size} floats: counts it and fixes its step-dependent factors.
     */
    abstract void begin();

    /**
     * Floats {@code from .. from + n - 1} of the step begun by {@link #begin}. Every float's update
     * is the same whatever the ranges, as long as each range but the last holds a multiple of 16
     * floats (the kernels then keep their scalar tail, if any, for the same last floats).
     */
    abstract void update(MemorySegment params, MemorySegment grads, float clip, long from, int n);

    /** Updates applied so far. */
    public long steps() {
        return steps;
    }

    /** Restores the update count (from a checkpoint). */
    public void setSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("optimiser step count must be >= 0, got " + steps);
        }
        this.steps = steps;
    }

    /** Names of the moment buffers, as stored in checkpoints ({@code optim.<name>.<tensor>}). */
    public List<String> momentNames() {
        return List.of(momentNames);
    }

    /** The moment buffer called {@code name}. */
    public MemorySegment moment(String name) {
        for (int i = 0; i < momentNames.length; i++) {
            if (momentNames[i].equals(name)) {
                return moments[i];
            }
        }
        throw new IllegalArgumentException("optimiser " + kind().id() + " has no moment '" + name
                + "'; it has " + List.of(momentNames));
    }

    /** Moment buffer by position in {@link #momentNames()}. */
    protected MemorySegment moment(int index) {
        return moments[index];
    }
}
