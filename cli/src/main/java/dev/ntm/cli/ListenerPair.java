package dev.ntm.cli;

import java.io.IOException;
import java.nio.file.Path;

import dev.ntm.engine.task.Curriculum;
import dev.ntm.engine.train.Trainer;
import dev.ntm.engine.train.TrainingListener;

/** Two training listeners told of every event, first then second. */
record ListenerPair(TrainingListener first, TrainingListener second) implements TrainingListener {

    @Override
    public void batch(Trainer trainer, Trainer.BatchResult result) {
        first.batch(trainer, result);
        second.batch(trainer, result);
    }

    @Override
    public void evaluation(Trainer trainer, Progress progress) {
        first.evaluation(trainer, progress);
        second.evaluation(trainer, progress);
    }

    @Override
    public void curriculum(Trainer trainer, Curriculum curriculum) {
        first.curriculum(trainer, curriculum);
        second.curriculum(trainer, curriculum);
    }

    @Override
    public void checkpoint(Trainer trainer, Path file) {
        first.checkpoint(trainer, file);
        second.checkpoint(trainer, file);
    }

    @Override
    public void checkpointFailed(Trainer trainer, Path file, IOException error, long previousSequences) {
        first.checkpointFailed(trainer, file, error, previousSequences);
        second.checkpointFailed(trainer, file, error, previousSequences);
    }
}
