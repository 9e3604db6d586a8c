/**
 * Operation-code names exactly as tshark 4.0.17 prints them (`tshark -G values`, fields
 * `scsi.spc.opcode`, `scsi_sbc.opcode`, `scsi_ssc.opcode`, `scsi_mmc.opcode`,
 * `scsi_smc.opcode`, `scsi_osd.opcode`), so that our tools and tshark name a command alike.
 *
 * tshark picks the table from the peripheral device type (from INQUIRY; SBC when it saw
 * none) and falls back to SPC when that command set has no dissector for the opcode. Three
 * value-string entries are never printed because of that fallback; they are left out below
 * (each table says which). test/scsi/opcode-tables.test.ts checks the tables against
 * `tshark -G values` and against what tshark prints for every opcode of every device type.
 */

/** One command set: opcode -> name. */
export type OpcodeTable = Readonly<Record<number, string>>;

/**
 * SPC command names: tshark `scsi.spc.opcode`. Used for every device type, and as the
 * fallback of the device-type tables below.
 *
 * @example
 * SPC_OPCODES[0x12]; // "Inquiry"
 */
export const SPC_OPCODES: OpcodeTable = {
  0x00: "Test Unit Ready", 0x03: "Request Sense", 0x12: "Inquiry", 0x15: "Mode Select(6)",
  0x16: "Reserve(6)", 0x17: "Release(6)", 0x18: "Copy", 0x1a: "Mode Sense(6)",
  0x1c: "Receive Diagnostics Results", 0x1d: "Send Diagnostic",
  0x1e: "Prevent/Allow Medium Removal", 0x39: "Compare", 0x3a: "Copy And Verify",
  0x3b: "Write Buffer", 0x3c: "Read Buffer", 0x40: "Change Definition", 0x4c: "Log Select",
  0x4d: "Log Sense", 0x55: "Mode Select(10)", 0x56: "Reserve(10)", 0x57: "Release(10)",
  0x5a: "Mode Sense(10)", 0x5e: "Persistent Reserve In", 0x5f: "Persistent Reserve Out",
  0x7f: "Variable Length CDB", 0x83: "Extended Copy", 0x84: "Receive Copy",
  0x86: "Access Control In", 0x87: "Access Control Out", 0xa0: "Report LUNs",
  0xa3: "Mgmt Protocol In",
};

/**
 * SBC command names (direct-access block devices, peripheral device type 0x00): tshark
 * `scsi_sbc.opcode`, less 0x7f: its value string says "Rebuild(32)" but the SBC dissector has
 * no handler for 0x7f, so tshark falls back to SPC and prints "Variable Length CDB".
 *
 * @example
 * SBC_OPCODES[0x12]; // "Inquiry"
 */
export const SBC_OPCODES: OpcodeTable = {
  0x00: "Test Unit Ready", 0x03: "Request Sense", 0x04: "Format Unit", 0x07: "Reassign Blocks",
  0x08: "Read(6)", 0x0a: "Write(6)", 0x12: "Inquiry", 0x15: "Mode Select(6)", 0x16: "Reserve(6)",
  0x17: "Release(6)", 0x1a: "Mode Sense(6)", 0x1b: "Start Stop Unit", 0x1d: "Send Diagnostic",
  0x1e: "Prevent/Allow Medium Removal", 0x25: "Read Capacity(10)", 0x28: "Read(10)",
  0x2a: "Write(10)", 0x2b: "Seek(10)", 0x2e: "Write & Verify(10)", 0x2f: "Verify(10)",
  0x33: "Set Limits(10)", 0x34: "Pre-Fetch(10)", 0x35: "Synchronize Cache(10)",
  0x36: "Lock Unlock Cache(10)", 0x37: "Read Defect Data(10)", 0x3b: "Write Buffer",
  0x3e: "Read Long(10)", 0x3f: "Write Long", 0x41: "Write Same(10)", 0x42: "Unmap",
  0x48: "Sanitize", 0x4c: "Log Select", 0x4d: "Log Sense", 0x50: "XdWrite(10)",
  0x51: "XpWrite(10)", 0x52: "XdRead(10)", 0x53: "XdWriteRead(10)", 0x55: "Mode Select(10)",
  0x56: "Reserve(10)", 0x57: "Release(10)", 0x5a: "Mode Sense(10)", 0x5e: "Persistent Reserve In",
  0x5f: "Persistent Reserve Out", 0x80: "XdWrite Extended(16)", 0x81: "Rebuild(16)",
  0x82: "Regenerate(16)", 0x83: "Extended Copy", 0x84: "Receive Copy", 0x88: "Read(16)",
  0x89: "Compare & Write(16)", 0x8a: "Write(16)", 0x8b: "OrWrite(16)", 0x8e: "Write & Verify(16)",
  0x8f: "Verify(16)", 0x90: "Pre-Fetch(16)", 0x91: "Synchronize Cache(16)",
  0x92: "Lock Unlock Cache(16)", 0x93: "Write Same(16)", 0x9c: "Write Atomic(16)",
  0x9e: "Service Action In(16)", 0x9f: "Service Action Out(16)", 0xa0: "Report LUNs",
  0xa3: "Mgmt Protocol In", 0xa8: "Read(12)", 0xaa: "Write(12)", 0xae: "Write & Verify(12)",
  0xaf: "Verify(12)", 0xb3: "Set Limits(12)", 0xb7: "Read Defect Data(12)",
};

/**
 * SSC command names (sequential-access devices, type 0x01): tshark `scsi_ssc.opcode`,
 * including the medium-changer names tshark lists there (0xa5, 0xa7, 0xb4, 0xb8).
 *
 * @example
 * SSC_OPCODES[0x12]; // "Inquiry"
 */
export const SSC_OPCODES: OpcodeTable = {
  0x00: "Test Unit Ready", 0x01: "Rewind", 0x03: "Request Sense", 0x04: "Format Medium",
  0x05: "Read Block Limits", 0x08: "Read(6)", 0x0a: "Write(6)", 0x0b: "Set Capacity",
  0x0f: "Read Reverse(6)", 0x10: "Write Filemarks(6)", 0x11: "Space(6)", 0x12: "Inquiry",
  0x13: "Verify(6)", 0x14: "Recover Buffered Data", 0x15: "Mode Select(6)", 0x16: "Reserve(6)",
  0x17: "Release(6)", 0x19: "Erase(6)", 0x1a: "Mode Sense(6)", 0x1b: "Load Unload",
  0x1d: "Send Diagnostic", 0x1e: "Prevent/Allow Medium Removal", 0x2b: "Locate(10)",
  0x34: "Read Position", 0x3b: "Write Buffer", 0x44: "Report Density Support", 0x4c: "Log Select",
  0x4d: "Log Sense", 0x55: "Mode Select(10)", 0x5a: "Mode Sense(10)",
  0x5e: "Persistent Reserve In", 0x5f: "Persistent Reserve Out", 0x80: "Write Filemarks(16)",
  0x81: "Read Reverse(16)", 0x83: "Extended Copy", 0x88: "Read(16)", 0x8a: "Write(16)",
  0x8f: "Verify(16)", 0x91: "Space(16)", 0x92: "Locate(16)", 0x93: "Erase(16)",
  0xa0: "Report LUNs", 0xa3: "Mgmt Protocol In", 0xa5: "Move Medium",
  0xa7: "Move Medium Attached", 0xb4: "Read Element Status Attached", 0xb8: "Read Element Status",
};

/**
 * MMC command names (CD/DVD devices, type 0x05): tshark `scsi_mmc.opcode`. Note 0x35 is
 * "Synchronize Cache" here, without the "(10)" of the SBC table.
 *
 * @example
 * MMC_OPCODES[0x12]; // "Inquiry"
 */
export const MMC_OPCODES: OpcodeTable = {
  0x00: "Test Unit Ready", 0x03: "Request Sense", 0x12: "Inquiry", 0x1a: "Mode Sense(6)",
  0x1b: "Start Stop Unit", 0x1e: "Prevent/Allow Medium Removal", 0x25: "Read Capacity(10)",
  0x28: "Read(10)", 0x2a: "Write(10)", 0x35: "Synchronize Cache", 0x3b: "Write Buffer",
  0x43: "Read TOC/PMA/ATIP", 0x46: "Get Configuration", 0x4a: "Get Event Status Notification",
  0x51: "Read Disc Information", 0x52: "Read Track Information", 0x53: "Reserve Track",
  0x55: "Mode Select(10)", 0x5a: "Mode Sense(10)", 0x5b: "Close Track",
  0x5c: "Read Buffer Capacity", 0xa0: "Report LUNs", 0xa3: "Mgmt Protocol In", 0xa4: "Report Key",
  0xa8: "Read(12)", 0xaa: "Write(12)", 0xac: "Get Performance", 0xad: "Read DISC Structure",
  0xb6: "Set Streaming", 0xbb: "Set CD Speed",
};

/**
 * SMC command names (media changers, type 0x08): tshark `scsi_smc.opcode`, less 0x40: its
 * value string says "Exchange Medium" but tshark prints the SPC "Change Definition".
 *
 * @example
 * SMC_OPCODES[0x12]; // "Inquiry"
 */
export const SMC_OPCODES: OpcodeTable = {
  0x00: "Test Unit Ready", 0x03: "Request Sense", 0x07: "Initialize Element Status",
  0x12: "Inquiry", 0x15: "Mode Select(6)", 0x16: "Reserve(6)", 0x17: "Release(6)",
  0x1a: "Mode Sense(6)", 0x1b: "Open/Close Import/Export Element",
  0x1c: "Receive Diagnostics Results", 0x1d: "Send Diagnostic",
  0x1e: "Prevent/Allow Medium Removal", 0x2b: "Position To Element",
  0x37: "Initialize Element Status With Range", 0x3b: "Write Buffer", 0x3c: "Read Buffer",
  0x44: "Report Volume Types Supported", 0x4c: "Log Select", 0x4d: "Log Sense",
  0x55: "Mode Select(10)", 0x56: "Reserve(10)", 0x57: "Release(10)", 0x5a: "Mode Sense(10)",
  0x5e: "Persistent Reserve In", 0x5f: "Persistent Reserve Out", 0x86: "Access Control In",
  0x87: "Access Control Out", 0x8c: "Read Attribute", 0x8d: "Write Attribute",
  0xa0: "Report LUNs", 0xa3: "Mgmt Protocol In", 0xa5: "Move Medium",
  0xa7: "Move Medium Attached", 0xb4: "Read Element Status Attached",
  0xb5: "Request Volume Element Address", 0xb6: "Send Volume Tag", 0xb8: "Read Element Status",
};

/**
 * OSD command names (object-based storage, type 0x11): tshark `scsi_osd.opcode`, less 0x7f
 * ("OSD Command"): tshark prints "Variable Length CDB" from the SPC table.
 *
 * @example
 * OSD_OPCODES[0x12]; // "Inquiry"
 */
export const OSD_OPCODES: OpcodeTable = {
  0x12: "Inquiry", 0x4c: "Log Select", 0x4d: "Log Sense", 0x55: "Mode Select(10)",
  0x5a: "Mode Sense(10)", 0x5e: "Persistent Reserve In", 0x5f: "Persistent Reserve Out",
  0xa0: "Report LUNs", 0xa3: "Mgmt Protocol In",
};
