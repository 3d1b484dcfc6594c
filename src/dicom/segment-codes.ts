import type { SegmentSpec } from './dicom-types.ts';

/**
 * The tumour segment as DICOM SEG codes it (PS3.3 C.8.20.2; SNOMED CT via PS3.16 CID 7150
 * "Segmentation Property Categories" and CID 7151 "Segmentation Property Types").
 */
export const TUMOUR_SEGMENT: SegmentSpec = {
  label: 'Tumour',
  description: 'Primary breast tumour (enhancing tumour on DCE)',
  category: {
    codeValue: '49755003',
    codingSchemeDesignator: 'SCT',
    codeMeaning: 'Morphologically abnormal structure',
  },
  type: { codeValue: '108369006', codingSchemeDesignator: 'SCT', codeMeaning: 'Neoplasm' },
  algorithmType: 'MANUAL',
};
