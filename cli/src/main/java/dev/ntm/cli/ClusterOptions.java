package dev.ntm.cli;

import java.util.ArrayList;
import java.util.List;

import dev.ntm.sweep.MemberSettings;
import picocli.CommandLine.Option;

/** The cluster options ntm sweep and ntm worker share: where the member listens and whom it joins. */
final class ClusterOptions {

    @Option(names = "--bind", description = "The one IP address this member listens on (default: ${DEFAULT-VALUE}, "
            + "reachable from this machine only; give an address the other machines reach to let workers join).",
            defaultValue = MemberSettings.LOOPBACK)
    String bind;

    @Option(names = "--port", description = "The port tried first; the next free one above it is taken when it is busy "
            + "(default: ${DEFAULT-VALUE}).", defaultValue = "" + MemberSettings.DEFAULT_PORT)
    int port;

    @Option(names = "--join", split = ",", paramLabel = "HOST[:PORT]", description = "Members to join (TCP/IP; "
            + "multicast is never used), e.g. 10.0.0.5:5701.")
    List<String> join = new ArrayList<>();

    @Option(names = "--jobs", description = "Jobs this member runs at once, each a single-threaded training run "
            + "(default: the number of cores, here ${DEFAULT-VALUE}; 0: run none).")
    int jobs = Runtime.getRuntime().availableProcessors();

    /** The member's settings under a cluster name. */
    MemberSettings settings(String clusterName) {
        return new MemberSettings(clusterName, bind, port, join, jobs);
    }
}
