package dev.ntm.serve;

import org.agrona.BitUtil;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;

/**
 * The requests a runner's ring buffer carries: a message type and the session's id, followed for a
 * step by its X input floats. Opening a session does not pass through the ring buffer (the runner
 * needs the handle itself, which a byte message cannot carry): it goes through a queue of handles.
 */
final class Messages {

    /** One step of a session; payload: id, X floats. */
    static final int STEP = 1;
    /** Reset a session to the initial state; payload: id. */
    static final int RESET = 2;
    /** Close a session; payload: id. */
    static final int CLOSE = 3;

    static final int ID_OFFSET = 0;
    static final int INPUT_OFFSET = Long.BYTES;

    private Messages() {
    }

    /** Payload bytes of a message of {@code type} for inputs of width {@code inputSize}. */
    static int length(int type, int inputSize) {
        return type == STEP ? INPUT_OFFSET + inputSize * Float.BYTES : INPUT_OFFSET;
    }

    /** Bytes a step request takes in the ring buffer, header and alignment included. */
    static int stepRecordBytes(int inputSize) {
        return BitUtil.align(RecordDescriptor.HEADER_LENGTH + length(STEP, inputSize), RecordDescriptor.ALIGNMENT);
    }
}
