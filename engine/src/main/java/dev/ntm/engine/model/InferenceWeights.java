package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.ntm.engine.NtmConfig;
import dev.ntm.kernels.KernelProvider;

/**
 * The transposed weight images of one immutable parameter segment, built on first use and shared
 * by every {@link Inference} and {@link GroupInference} of the model: one float32 image and one
 * compact (bfloat16 controller and heads) image at most. A session used to copy the 206 KB of the copy
 * configuration's weights for itself; sessions stepped one after another on one core then streamed
 * a different copy each from memory instead of one from the L2 cache.
 *
 * <p>Thread-safe: an image is built under this object's lock and never written afterwards.
 */
public final class InferenceWeights {

    private final NtmConfig config;
    private final MemorySegment params;
    private ForwardWeights float32;
    private ForwardWeights compact;

    /**
     * The images of {@code params}, laid out by {@code ParamLayout.of(config)}, which must never
     * change afterwards (a model's read-only parameters).
     */
    public InferenceWeights(NtmConfig config, MemorySegment params) {
        this.config = Objects.requireNonNull(config, "config");
        this.params = Objects.requireNonNull(params, "params");
    }

    /** The parameters the images are made from. */
    MemorySegment params() {
        return params;
    }

    /** The float32 or the compact image, built now if it is the first call for it. */
    synchronized ForwardWeights get(boolean compactLayers) {
        ForwardWeights fw = compactLayers ? compact : float32;
        if (fw == null) {
            // A batch-1 stepper only to name the tensors' offsets; the image does not depend on the batch.
            Arena arena = Arena.ofAuto();
            Stepper layout = new Stepper(config, KernelProvider.scalar(), 1, 1, 0, false, arena);
            layout.checkParams(params, "params");
            fw = compactLayers ? ForwardWeights.compact(layout, params, arena)
                    : ForwardWeights.transposed(layout, params, arena);
            if (compactLayers) {
                compact = fw;
            } else {
                float32 = fw;
            }
        }
        return fw;
    }
}
