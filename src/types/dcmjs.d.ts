/**
 * The small part of dcmjs (which ships no types) that src/dicom uses. Only src/dicom/part10.ts
 * imports dcmjs; everything else goes through its typed facade.
 */
declare module 'dcmjs' {
  /** A DICOM JSON model element (PS3.18 F.2): VR and values. */
  export interface DcmjsElement {
    vr: string;
    Value?: unknown[];
  }
  /** Tag (8 upper-case hex digits, e.g. `00100020`) → element. */
  export type DcmjsDict = Record<string, DcmjsElement>;

  export interface DcmjsDictionaryEntry {
    tag: string;
    vr: string;
    vm: string;
    name: string;
  }

  export interface DcmjsReadOptions {
    ignoreErrors?: boolean;
    /** Stop at this tag (8 hex digits); its value is not read unless `includeUntilTagValue`. */
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    /** With `untilTag`: stop at the first tag greater than it. */
    stopOnGreaterTag?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }

  export class DicomDict {
    constructor(meta: DcmjsDict);
    meta: DcmjsDict;
    dict: DcmjsDict;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }

  export const data: {
    DicomDict: typeof DicomDict;
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: DcmjsReadOptions): DicomDict;
    };
    DicomMetaDictionary: {
      naturalizeDataset(dict: DcmjsDict): Record<string, unknown>;
      denaturalizeDataset(dataset: Record<string, unknown>): DcmjsDict;
      nameMap: Record<string, DcmjsDictionaryEntry | undefined>;
      dictionary: Record<string, DcmjsDictionaryEntry | undefined>;
    };
  };

  export const log: {
    setLevel(level: string | number): void;
    getLevel(): number;
  };

  const dcmjs: { data: typeof data; log: typeof log };
  export default dcmjs;
}
