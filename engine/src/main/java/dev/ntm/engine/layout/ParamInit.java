package dev.ntm.engine.layout;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.util.SplitMix64;

/**
 * The initialisation of docs/SPEC.md section 2, drawn from one seeded generator in layout order, so
 * that the same seed gives the same model bit for bit.
 *
 * <ul>
 *   <li>LSTM weights: Glorot uniform over the whole [4H, in+H] matrix,
 *       limit {@code sqrt(6 / (fan_in + fan_out))} with fan_in = in + H, fan_out = 4H; biases 0
 *       except the forget-gate block (rows H..2H-1), which is 1.</li>
 *   <li>Feedforward layers: Glorot uniform, biases 0.</li>
 *   <li>Head and output weights: normal with deviation {@code 1/sqrt(fan_in)}, truncated at two
 *       deviations (redrawn); biases 0.</li>
 *   <li>{@code init.read.*} and {@code init.weight.*}: uniform in ±sqrt(6 / (1 + size)).</li>
 *   <li>{@code init.memory}: 1e-6 (constant), N(0, 0.5) (learned), tanh(N(0, 0.5)) (random).</li>
 * </ul>
 */
public final class ParamInit {

    private ParamInit() {
    }

    /** Returns the initial parameters as a flat array of {@code layout.size()} floats. */
    public static float[] initialize(ParamLayout layout, long seed) {
        NtmConfig c = layout.config();
        float[] p = new float[Math.toIntExact(layout.size())];
        SplitMix64 rng = new SplitMix64(seed);
        for (ParamLayout.Tensor t : layout.tensors()) {
            int off = (int) t.offset();
            String n = t.name();
            if (n.startsWith("controller.lstm.") && n.endsWith(".weight")) {
                double limit = Math.sqrt(6.0 / (t.cols() + t.rows()));
                for (int i = 0; i < t.size(); i++) {
                    p[off + i] = (float) rng.uniform(-limit, limit);
                }
            } else if (n.startsWith("controller.lstm.") && n.endsWith(".bias")) {
                int h = c.hiddenSize();
                for (int i = h; i < 2 * h; i++) {
                    p[off + i] = 1f;
                }
            } else if (n.startsWith("controller.ff.") && n.endsWith(".weight")) {
                double limit = Math.sqrt(6.0 / (t.cols() + t.rows()));
                for (int i = 0; i < t.size(); i++) {
                    p[off + i] = (float) rng.uniform(-limit, limit);
                }
            } else if (n.endsWith(".weight")) {
                double sd = 1.0 / Math.sqrt(t.cols());
                for (int i = 0; i < t.size(); i++) {
                    double z;
                    do {
                        z = rng.gaussian();
                    } while (Math.abs(z) > 2.0);
                    p[off + i] = (float) (z * sd);
                }
            } else if (n.startsWith("init.read.") || n.startsWith("init.weight.")) {
                double limit = Math.sqrt(6.0 / (1 + t.size()));
                for (int i = 0; i < t.size(); i++) {
                    p[off + i] = (float) rng.uniform(-limit, limit);
                }
            } else if (n.equals("init.memory")) {
                for (int i = 0; i < t.size(); i++) {
                    p[off + i] = switch (c.memoryInit()) {
                        case CONSTANT -> 1e-6f;
                        case LEARNED -> (float) (0.5 * rng.gaussian());
                        case RANDOM -> (float) Math.tanh(0.5 * rng.gaussian());
                    };
                }
            }
            // every other tensor is a bias: zero
        }
        return p;
    }
}
