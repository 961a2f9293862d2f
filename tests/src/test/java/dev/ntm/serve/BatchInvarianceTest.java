package dev.ntm.serve;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;
import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;

/**
 * Batch invariance of the {@link BatchStepper} the runner uses by default: sessions stepped in
 * batches of every size from 1 to 16, in random company and random order, give outputs
 * bit-identical to the same inputs stepped alone on a fresh session. The default is the engine's
 * group step ({@link GroupBatchStepper}); {@code GroupStepperTest} covers it in more
 * configurations. (The runner end to end, under load, is
 * {@link ServeStressTest}.)
 */
class BatchInvarianceTest {

    @Test
    void everySessionMatchesItselfSteppedAloneWhateverTheBatch() {
        NtmModel model = ServeFixtures.model();
        BatchStepper stepper = ServeOptions.defaults().stepper().create(model, 16);
        int count = 40;
        int steps = 60;
        int maxBatch = 16;
        int x = model.config().inputSize();
        int y = model.config().outputSize();
        NtmSession[] all = new NtmSession[count];
        float[][] streams = new float[count][steps * y];
        int[] done = new int[count];
        for (int j = 0; j < count; j++) {
            all[j] = model.newSession();
        }
        NtmSession[] batch = new NtmSession[maxBatch];
        int[] members = new int[maxBatch];
        float[][] inputs = new float[maxBatch][x];
        float[][] outputs = new float[maxBatch][y];
        int[] order = new int[count];
        boolean[] sizeSeen = new boolean[maxBatch + 1];
        SplitMix64 rng = new SplitMix64(99);
        int remaining = count * steps;
        while (remaining > 0) {
            // Sessions with steps left, shuffled; the batch takes the first b of them.
            int open = 0;
            for (int j = 0; j < count; j++) {
                if (done[j] < steps) {
                    order[open++] = j;
                }
            }
            for (int i = open - 1; i > 0; i--) {
                int k = rng.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[k];
                order[k] = tmp;
            }
            int b = Math.min(open, 1 + rng.nextInt(maxBatch));
            for (int i = 0; i < b; i++) {
                int j = order[i];
                if (ServeFixtures.resetsBefore(done[j])) {
                    all[j].reset();
                }
                ServeFixtures.input(j, done[j], inputs[i]);
                batch[i] = all[j];
                members[i] = j;
            }
            stepper.step(batch, b, inputs, outputs);
            for (int i = 0; i < b; i++) {
                int j = members[i];
                System.arraycopy(outputs[i], 0, streams[j], done[j] * y, y);
                done[j]++;
            }
            sizeSeen[b] = true;
            remaining -= b;
        }
        assertTrue(sizeSeen[1] && sizeSeen[maxBatch], "the batches should include sizes 1 and " + maxBatch);
        for (int j = 0; j < count; j++) {
            ServeFixtures.assertBitIdentical(ServeFixtures.alone(model, j, steps), streams[j], y, "session " + j);
        }
    }
}
