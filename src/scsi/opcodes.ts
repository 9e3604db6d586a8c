/**
 * SCSI operation codes this layer builds or decodes (SPC-4 §4.2.5.1, SBC-3 §5, and the
 * operation code list of SPC-4 Annex E), and the service actions that name a command
 * through its second byte.
 *
 * @example
 * cdb[0] === ScsiOp.Read16; // a READ (16)
 */
export const ScsiOp = {
  TestUnitReady: 0x00,
  RequestSense: 0x03,
  FormatUnit: 0x04,
  Read6: 0x08,
  Write6: 0x0a,
  Inquiry: 0x12,
  ModeSelect6: 0x15,
  ModeSense6: 0x1a,
  StartStopUnit: 0x1b,
  ReceiveDiagnosticResults: 0x1c,
  SendDiagnostic: 0x1d,
  ReadCapacity10: 0x25,
  Read10: 0x28,
  Write10: 0x2a,
  WriteAndVerify10: 0x2e,
  Verify10: 0x2f,
  PreFetch10: 0x34,
  SynchronizeCache10: 0x35,
  WriteBuffer: 0x3b,
  ReadBuffer: 0x3c,
  WriteSame10: 0x41,
  Unmap: 0x42,
  LogSelect: 0x4c,
  LogSense: 0x4d,
  ModeSelect10: 0x55,
  ModeSense10: 0x5a,
  PersistentReserveIn: 0x5e,
  PersistentReserveOut: 0x5f,
  VariableLength: 0x7f,
  ExtendedCopy: 0x83,
  ReceiveCopyResults: 0x84,
  Read16: 0x88,
  CompareAndWrite: 0x89,
  Write16: 0x8a,
  OrWrite16: 0x8b,
  WriteAndVerify16: 0x8e,
  Verify16: 0x8f,
  PreFetch16: 0x90,
  SynchronizeCache16: 0x91,
  WriteSame16: 0x93,
  WriteAtomic16: 0x9c,
  ServiceActionIn16: 0x9e,
  ServiceActionOut16: 0x9f,
  ReportLuns: 0xa0,
  SecurityProtocolIn: 0xa2,
  MaintenanceIn: 0xa3,
  MaintenanceOut: 0xa4,
  Read12: 0xa8,
  Write12: 0xaa,
  WriteAndVerify12: 0xae,
  Verify12: 0xaf,
  SecurityProtocolOut: 0xb5,
} as const;

/**
 * Service actions (CDB byte 1, bits 4-0) of SERVICE ACTION IN (16) (SBC-3 §5.16, §5.11)
 * and MAINTENANCE IN (SPC-4 §6.35).
 *
 * @example
 * cdb[1] & 0x1f; // ServiceAction.ReadCapacity16 for a READ CAPACITY (16)
 */
export const ServiceAction = {
  ReadCapacity16: 0x10,
  ReadLong16: 0x11,
  GetLbaStatus: 0x12,
  ReportReferrals: 0x13,
  ReportSupportedOpcodes: 0x0c,
  ManagementProtocolIn: 0x10,
} as const;

/**
 * Mask of the SERVICE ACTION field in byte 1 of a service-action CDB.
 *
 * @example
 * (cdb[1] & SERVICE_ACTION_MASK) === ServiceAction.ReadCapacity16;
 */
export const SERVICE_ACTION_MASK = 0x1f;
