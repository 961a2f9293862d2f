package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamInit;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.kernels.Buffers;

/**
 * The parameters of one model: a {@link ParamLayout} and one 64-byte-aligned off-heap segment of
 * {@code layout.size()} floats. Gradients and optimiser moments are {@code Parameters} of the same
 * layout. The segment is GC-managed ({@link Arena#ofAuto()}), so it can be read from any thread.
 */
public final class Parameters {

    private final ParamLayout layout;
    private final MemorySegment segment;

    private Parameters(ParamLayout layout) {
        this.layout = layout;
        this.segment = Buffers.allocate(Arena.ofAuto(), layout.size());
    }

    /** Zeroed parameters (or gradients, or moments) of {@code layout}. */
    public static Parameters zeros(ParamLayout layout) {
        return new Parameters(Objects.requireNonNull(layout, "layout"));
    }

    /** The docs/SPEC.md section 2 initialisation of {@code config} from {@code seed}. */
    public static Parameters initialize(NtmConfig config, long seed) {
        ParamLayout layout = ParamLayout.of(config);
        Parameters p = new Parameters(layout);
        p.copyFrom(ParamInit.initialize(layout, seed));
        return p;
    }

    /** Parameters of {@code layout} holding a copy of {@code values} ({@code layout.size()} floats). */
    public static Parameters of(ParamLayout layout, float[] values) {
        Parameters p = new Parameters(Objects.requireNonNull(layout, "layout"));
        p.copyFrom(values);
        return p;
    }

    /** The layout. */
    public ParamLayout layout() {
        return layout;
    }

    /** The segment of {@code layout().size()} floats. */
    public MemorySegment segment() {
        return segment;
    }

    /** Number of floats, padding included. */
    public long size() {
        return layout.size();
    }

    /** Overwrites every float with {@code values}, which must hold exactly {@code size()} floats. */
    public void copyFrom(float[] values) {
        Objects.requireNonNull(values, "values");
        if (values.length != layout.size()) {
            throw new IllegalArgumentException("expected " + layout.size() + " floats for the layout of "
                    + layout.config() + ", got " + values.length);
        }
        Buffers.copy(values, 0, segment, 0, values.length);
    }

    /** Overwrites every float with those of {@code other}, which must have an equal layout size. */
    public void copyFrom(Parameters other) {
        if (other.size() != size()) {
            throw new IllegalArgumentException("cannot copy " + other.size() + " floats into parameters of "
                    + size());
        }
        Buffers.copy(other.segment, 0, segment, 0, size());
    }

    /** A copy of all floats as a heap array. */
    public float[] toArray() {
        float[] a = new float[Math.toIntExact(layout.size())];
        Buffers.copy(segment, 0, a, 0, a.length);
        return a;
    }

    /** A copy of one named tensor's floats, row-major. */
    public float[] tensor(String name) {
        ParamLayout.Tensor t = layout.tensor(name);
        float[] a = new float[t.size()];
        Buffers.copy(segment, t.offset(), a, 0, a.length);
        return a;
    }

    /** Sets every float to zero (gradients are zeroed once per batch). */
    public void zero() {
        segment.fill((byte) 0);
    }
}
