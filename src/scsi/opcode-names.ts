/**
 * Command names as tshark prints them: by operation code and peripheral device type
 * (`scsiOpName`), and for a whole CDB, where a service action can name the command
 * (`opName`).
 */
import { hexByte } from "./bytes.js";
import {
  MMC_OPCODES, OSD_OPCODES, type OpcodeTable, SBC_OPCODES, SMC_OPCODES, SPC_OPCODES, SSC_OPCODES,
} from "./opcode-tables.js";
import { SERVICE_ACTION_MASK, ScsiOp } from "./opcodes.js";

/**
 * The command set tshark uses per peripheral device type; any other type (0x0e simplified
 * direct-access included) gets SPC names only, as tshark does.
 */
const TABLE_BY_DEVICE_TYPE: Readonly<Record<number, OpcodeTable>> = {
  0x00: SBC_OPCODES,
  0x01: SSC_OPCODES,
  0x05: MMC_OPCODES,
  0x08: SMC_OPCODES,
  0x11: OSD_OPCODES,
};

/**
 * Service-action names tshark shows in the CDB tree: `scsi_sbc.sa` for SERVICE ACTION IN
 * (16) (SBC-3 §5.16) and `scsi.mpi.service_action` for MAINTENANCE IN (SPC-4 §6.35).
 */
const SERVICE_ACTIONS: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  [ScsiOp.ServiceActionIn16]: {
    0x10: "Read Capacity(16)",
    0x11: "Read Long(16)",
    0x12: "Get LBA Status",
    0x13: "Report Referrals",
  },
  [ScsiOp.MaintenanceIn]: {
    0x0c: "Report Supported Opcodes",
    0x10: "Management Protocol In",
  },
};

/**
 * The name tshark 4.0.17 prints for `opcode` on a logical unit of peripheral device type
 * `deviceType` (default 0, a disk, which is also tshark's default when it has seen no
 * INQUIRY): the device type's command set first, SPC second, `Unknown (0xNN)` last (where
 * tshark prints `SCSI Command: 0xNN`).
 *
 * @example
 * scsiOpName(0x28);       // "Read(10)"
 * scsiOpName(0x35, 0x05); // "Synchronize Cache" (MMC spelling)
 * scsiOpName(0x28, 0x0c); // "Unknown (0x28)": a storage array controller has no READ
 */
export function scsiOpName(opcode: number, deviceType = 0): string {
  return TABLE_BY_DEVICE_TYPE[deviceType]?.[opcode] ?? SPC_OPCODES[opcode] ?? `Unknown (${hexByte(opcode)})`;
}

/**
 * The name of the command in `cdb`: the service action's name where tshark has one
 * (READ CAPACITY (16) is SERVICE ACTION IN (16) with service action 0x10: tshark's packet
 * list says "Service Action In(16)", its CDB tree "Read Capacity(16)"; this returns the
 * latter), else {@link scsiOpName}. An empty CDB gives `Unknown (empty CDB)`.
 *
 * @example
 * opName(new Uint8Array([0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0])); // "Read Capacity(16)"
 * opName(new Uint8Array([0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0]));                          // "Read(10)"
 */
export function opName(cdb: Uint8Array, deviceType = 0): string {
  if (cdb.length === 0) return "Unknown (empty CDB)";
  const byAction = SERVICE_ACTIONS[cdb[0]];
  const action = byAction !== undefined && cdb.length > 1 ? byAction[cdb[1] & SERVICE_ACTION_MASK] : undefined;
  return action ?? scsiOpName(cdb[0], deviceType);
}
