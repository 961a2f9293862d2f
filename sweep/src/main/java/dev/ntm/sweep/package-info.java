/**
 * Sweeps of {@code ntm train} runs over seeds and settings, run on a Hazelcast cluster: one
 * embedded member by default, more when workers join. Hazelcast stays in this module.
 */
package dev.ntm.sweep;
