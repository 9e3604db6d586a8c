/**
 * The garbage collector's setting for every command, imported first by each entry point.
 *
 * V8's incremental marking, once the old generation has grown enough to start it, kept a
 * third of the young generation alive at every scavenge while I/O ran (the objects of each
 * command, stored into long-lived tables, held through the marking), which promoted them,
 * which grew the old generation, which started the next marking: 4-7 ms scavenges every
 * 70 ms and a major collection every 0.7 s. The whole CLI's code was enough to cross that
 * line, blessed's alone too. Measured on `iscsiscope bench`, 4 KiB random reads at QD32 against
 * tgtd: survival 36% -> 1%, CPU per I/O 22 -> 17 us, IOPS +10-17%. Major collections then
 * stop the world for the whole marking; our heaps are tens of MB (a few ms).
 */
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--no-incremental-marking");
