/**
 * The SCSI layer: CDB builders, response and sense decoders, name tables. No sockets, no
 * iSCSI (except the sense data segment wrapping), no imports from the rest of iscsiscope.
 *
 * Conventions: LBAs are `bigint` where the field is 64 bits (16-byte CDBs, READ CAPACITY
 * (16), UNMAP descriptors, `cdbInfo`) and `number` where it is 32 bits (10-byte CDBs, READ
 * CAPACITY (10)). Builders throw RangeError on bad arguments; decoders never throw on what
 * a target sends except `ScsiDecodeError` for data shorter than a structure's mandatory
 * header, and flag `truncated` data.
 */
export { ScsiDecodeError } from "./scsi-error.js";
export { ScsiOp, ServiceAction } from "./opcodes.js";
export { ScsiStatus, statusName } from "./status.js";
export { SenseKey, senseKeyName } from "./sense-key.js";
export { ascName } from "./asc-names.js";
export { deviceTypeName, qualifierName } from "./device-type.js";
export { opName, scsiOpName } from "./opcode-names.js";
export { lunToField, lunFromField, formatLun } from "./lun.js";

export {
  testUnitReadyCdb, inquiryCdb, reportLunsCdb, readCapacity10Cdb, readCapacity16Cdb,
  modeSense6Cdb, modeSense10Cdb,
  type InquiryOptions, type ReportLunsOptions, type ModeSenseOptions,
} from "./cdb-query.js";
export {
  read10Cdb, read16Cdb, write10Cdb, write16Cdb, synchronizeCache10Cdb, writeSame16Cdb,
  unmapCdb, unmapParameterList,
  type ReadWriteOptions, type SyncCacheOptions, type WriteSameOptions, type UnmapOptions,
  type UnmapExtent,
} from "./cdb-io.js";
export { cdbInfo, type CdbInfo, type CdbInfoOptions, type CdbDirection } from "./cdb-info.js";

export { decodeInquiry, type InquiryData } from "./inquiry.js";
export { decodeVpd, VpdPageCode, type VpdPage, type RawVpdPage } from "./vpd.js";
export type { VpdHeader } from "./vpd-header.js";
export {
  decodeSupportedVpdPages, decodeUnitSerialNumber, decodeBlockLimits,
  decodeBlockDeviceCharacteristics, decodeLogicalBlockProvisioning,
  type SupportedVpdPages, type UnitSerialNumber, type BlockLimits,
  type BlockDeviceCharacteristics, type LogicalBlockProvisioning,
} from "./vpd-pages.js";
export { decodeDeviceIdentification, type DeviceIdentification, type Designator } from "./vpd-device-id.js";
export {
  decodeReadCapacity10, decodeReadCapacity16, type ReadCapacity10Data, type ReadCapacity16Data,
} from "./read-capacity.js";
export { decodeReportLuns, type ReportLunsData, type ReportedLun } from "./report-luns.js";
export {
  decodeModeSense6, decodeModeSense10,
  type ModeParameters, type ModePage, type BlockDescriptor, type CachingPage, type ControlPage,
} from "./mode-sense.js";
export { decodeSense, senseTriple, type SenseData, type DecodedSense, type UnrecognizedSense } from "./sense.js";
export {
  senseDescriptorName, type SenseDescriptor, type SenseKeySpecific,
} from "./sense-descriptors.js";
export { decodeSenseSegment, type SenseSegment } from "./sense-segment.js";
