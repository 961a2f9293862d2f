package dev.ntm.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;
import dev.ntm.engine.task.CopyTask;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.util.SplitMix64;

/**
 * What the compact-weights mode ({@link NtmModel#withCompactWeights}) costs in accuracy: a copy
 * checkpoint's float32 and bfloat16 sessions step the same copy sequences of each given length,
 * and the table gives both bit-error rates, how many scored output bits the two modes disagree on
 * (thresholded at 0.5), and the largest difference of an output probability.
 *
 * <p>{@code bench/scripts/compact-accuracy.sh CHECKPOINT [SEQUENCES [LENGTH...]]}; defaults 1,000
 * sequences of lengths 10, 20, 30 and 50, seeded per length.
 */
public final class CompactWeightsAccuracy {

    private CompactWeightsAccuracy() {
    }

    /** Arguments: checkpoint, sequences per length, lengths. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: compact-accuracy.sh CHECKPOINT [SEQUENCES [LENGTH...]]");
            System.exit(2);
        }
        NtmModel full = NtmModel.load(Path.of(args[0]));
        NtmModel compact = full.withCompactWeights();
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int[] lengths = {10, 20, 30, 50};
        if (args.length > 2) {
            lengths = new int[args.length - 2];
            for (int i = 2; i < args.length; i++) {
                lengths[i - 2] = Integer.parseInt(args[i]);
            }
        }
        System.out.println("| length | fp32 bit errors per sequence | bf16 bit errors per sequence | output bits that differ "
                + "| largest probability difference |");
        System.out.println("|---:|---:|---:|---:|---:|");
        for (int len : lengths) {
            CopyTask task = new CopyTask(len, len);
            SplitMix64 rng = new SplitMix64(1234 + len);
            long errFull = 0;
            long errCompact = 0;
            long differ = 0;
            long scored = 0;
            double largest = 0;
            for (int s = 0; s < count; s++) {
                Sequence q = task.generate(rng);
                float[] a = outputs(full, q);
                float[] b = outputs(compact, q);
                int y = q.outputSize();
                for (int t = 0; t < q.steps(); t++) {
                    if (q.mask()[t] == 0f) {
                        continue;
                    }
                    for (int j = t * y; j < (t + 1) * y; j++) {
                        boolean target = q.targets()[j] > 0.5f;
                        errFull += (a[j] > 0.5f) != target ? 1 : 0;
                        errCompact += (b[j] > 0.5f) != target ? 1 : 0;
                        differ += (a[j] > 0.5f) != (b[j] > 0.5f) ? 1 : 0;
                        largest = Math.max(largest, Math.abs(a[j] - b[j]));
                        scored++;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "| %d | %.4f | %.4f | %,d of %,d | %.1e |%n", len, (double) errFull / count,
                    (double) errCompact / count, differ, scored, largest);
        }
    }

    /** The output probabilities of every step of {@code q} through a fresh session of {@code model}. */
    private static float[] outputs(NtmModel model, Sequence q) {
        NtmSession session = model.newSession();
        float[] x = new float[q.inputSize()];
        float[] y = new float[q.outputSize()];
        float[] all = new float[q.steps() * q.outputSize()];
        for (int t = 0; t < q.steps(); t++) {
            System.arraycopy(q.inputs(), t * q.inputSize(), x, 0, x.length);
            session.step(x, y);
            System.arraycopy(y, 0, all, t * y.length, y.length);
        }
        return all;
    }
}
