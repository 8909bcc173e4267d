#!/usr/bin/python3
"""Tiny DICOM and NIfTI fixtures for the dicom: and nifti: sources, with the
values gsa must read from them.

Run once from the package folder with Debian's packages
(apt-get install python3-pydicom python3-numpy python3-nibabel dcmtk):

    /usr/bin/python3 scripts/make-medical-fixtures.py

It writes src/sources/fixtures/dicom/*.dcm (and set/, a labelled set of four
patients), src/sources/fixtures/nifti/*.nii[.gz] and expected.json in each.
Compressed syntaxes are made with dcmtk (dcmcrle, dcmcjpeg, dcmconv). Every
header carries made-up identifiers (PHI_* below) so that tests can check that
none of them reaches any output. Expected values follow DICOM PS3.3 C.11.2.1.2
(modality LUT, then the linear VOI window mapped to [0, 1]) in numpy,
independently of the TypeScript code.
"""
import json
import os
import shutil
import subprocess
import tempfile

import nibabel as nib
import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    generate_uid,
)

HERE = os.path.dirname(os.path.abspath(__file__))
DICOM_DIR = os.path.join(HERE, '..', 'src', 'sources', 'fixtures', 'dicom')
NIFTI_DIR = os.path.join(HERE, '..', 'src', 'sources', 'fixtures', 'nifti')
SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7'

# Made-up identifiers that must never appear in gsa's outputs.
PHI_NAME = 'Doe^Jane'
PHI_ID = 'PHI-4711-SECRET'
PHI_BIRTH = '19450704'
PHI_STUDY_DATE = '20230115'
PHI_ACCESSION = 'ACC998877'
PHI_INSTITUTION = 'St Hidden Hospital'

rng = np.random.default_rng(7)


def base_dataset(path, transfer_syntax, patient_id=PHI_ID, patient_name=PHI_NAME):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SECONDARY_CAPTURE
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[path])
    meta.TransferSyntaxUID = transfer_syntax
    meta.ImplementationClassUID = generate_uid(entropy_srcs=['gsa-fixtures'])
    ds = FileDataset(path, {}, file_meta=meta, preamble=b'\0' * 128)
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[patient_id, 'study'])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[patient_id, 'series'])
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.PatientBirthDate = PHI_BIRTH
    ds.StudyDate = PHI_STUDY_DATE
    ds.AccessionNumber = PHI_ACCESSION
    ds.InstitutionName = PHI_INSTITUTION
    ds.Modality = 'OT'
    ds.is_little_endian = transfer_syntax != ExplicitVRBigEndian
    ds.is_implicit_VR = transfer_syntax == ImplicitVRLittleEndian
    return ds


def grey(ds, pixels, bits_stored, signed=False, photometric='MONOCHROME2'):
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated = pixels.dtype.itemsize * 8
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    order = '<' if ds.is_little_endian else '>'
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder(order)).tobytes()


def linear_window(x, center, width):
    """PS3.3 C.11.2.1.2.1, output range [0, 1]."""
    y = (x - (center - 0.5)) / (width - 1) + 0.5
    y = np.where(x <= center - 0.5 - (width - 1) / 2, 0.0, y)
    y = np.where(x > center - 0.5 + (width - 1) / 2, 1.0, y)
    return y


def save(ds, name):
    path = os.path.join(DICOM_DIR, name)
    ds.save_as(path, write_like_original=False)
    return path


def dcmtk(args, source, name):
    target = os.path.join(DICOM_DIR, name)
    subprocess.run([*args, source, target], check=True)
    return target


def flat(values):
    return [round(float(v), 7) for v in np.asarray(values, dtype=np.float64).ravel()]


def make_dicom():
    shutil.rmtree(DICOM_DIR, ignore_errors=True)
    os.makedirs(DICOM_DIR)
    expected = {}

    # 12-bit unsigned MONOCHROME2 with rescale and a window in the file.
    stored = rng.integers(0, 4096, size=(8, 8)).astype(np.uint16)
    slope, intercept, center, width = 0.5, -100.0, 300.0, 800.0
    rescaled = stored * slope + intercept
    windowed = linear_window(rescaled, center, width)
    for name, syntax, photometric in [
        ('mono2.dcm', ExplicitVRLittleEndian, 'MONOCHROME2'),
        ('mono1.dcm', ExplicitVRLittleEndian, 'MONOCHROME1'),
        ('mono2-big-endian.dcm', ExplicitVRBigEndian, 'MONOCHROME2'),
        ('mono2-implicit.dcm', ImplicitVRLittleEndian, 'MONOCHROME2'),
    ]:
        ds = base_dataset(name, syntax)
        grey(ds, stored, 12, photometric=photometric)
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        ds.WindowCenter, ds.WindowWidth = center, width
        ds.ImageLaterality = 'R'
        save(ds, name)
    expected['mono2'] = {
        'stored': flat(stored), 'rescaled': flat(rescaled), 'windowed': flat(windowed),
        'slope': slope, 'intercept': intercept, 'center': center, 'width': width,
    }
    # The user's window 200/1000 on the same file.
    expected['mono2-window-200-1000'] = flat(linear_window(rescaled, 200.0, 1000.0))
    # No window in the file: the full range the stored bits allow, after rescale.
    ds = base_dataset('mono2-no-window.dcm', ExplicitVRLittleEndian)
    grey(ds, stored, 12)
    ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
    save(ds, 'mono2-no-window.dcm')
    low, high = intercept, 4095 * slope + intercept
    expected['mono2-no-window'] = flat((rescaled - low) / (high - low))

    # Lossless compressed copies of mono2 (dcmtk): RLE, JPEG lossless SV1, deflate.
    source = os.path.join(DICOM_DIR, 'mono2.dcm')
    dcmtk(['dcmcrle'], source, 'mono2-rle.dcm')
    dcmtk(['dcmcjpeg', '--encode-lossless-sv1'], source, 'mono2-jpeg-lossless.dcm')
    dcmtk(['dcmconv', '--write-xfer-deflated'], source, 'mono2-deflated.dcm')

    # Signed 16-bit CT-like image, implicit VR, window 40/400.
    ct = rng.integers(-1024, 2000, size=(8, 8)).astype(np.int16)
    ds = base_dataset('ct-signed.dcm', ImplicitVRLittleEndian)
    grey(ds, ct, 16, signed=True)
    ds.Modality = 'CT'
    ds.RescaleSlope, ds.RescaleIntercept = 1.0, -24.0
    ds.WindowCenter, ds.WindowWidth = [40.0, 400.0], [400.0, 2000.0]  # the first pair is used
    save(ds, 'ct-signed.dcm')
    expected['ct-signed'] = {
        'stored': flat(ct), 'windowed': flat(linear_window(ct + -24.0, 40.0, 400.0)),
    }

    # 8-bit grey for JPEG baseline (lossy) and RLE of 8-bit data.
    smooth = (np.add.outer(np.arange(16), np.arange(16)) * 8).astype(np.uint8)
    ds = base_dataset('mono8.dcm', ExplicitVRLittleEndian)
    grey(ds, smooth, 8)
    save(ds, 'mono8.dcm')
    dcmtk(['dcmcjpeg', '--encode-baseline'], os.path.join(DICOM_DIR, 'mono8.dcm'), 'mono8-jpeg-baseline.dcm')
    expected['mono8'] = flat(smooth / 255.0)

    # RGB, interleaved and planar; and an RLE copy of the interleaved one.
    rgb = rng.integers(0, 256, size=(8, 8, 3)).astype(np.uint8)
    for name, planar in [('rgb.dcm', 0), ('rgb-planar.dcm', 1)]:
        ds = base_dataset(name, ExplicitVRLittleEndian)
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = 'RGB'
        ds.PlanarConfiguration = planar
        ds.Rows, ds.Columns = 8, 8
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        ds.PixelData = (rgb.transpose(2, 0, 1) if planar else rgb).tobytes()
        save(ds, name)
    dcmtk(['dcmcrle'], os.path.join(DICOM_DIR, 'rgb.dcm'), 'rgb-rle.dcm')
    expected['rgb'] = flat(rgb / 255.0)

    # Refused: three frames; JPEG 2000 (the fragment is not a real codestream: the
    # syntax is refused before any decoding).
    ds = base_dataset('multiframe.dcm', ExplicitVRLittleEndian)
    grey(ds, np.zeros((3 * 8, 8), np.uint16), 12)
    ds.Rows = 8
    ds.NumberOfFrames = 3
    save(ds, 'multiframe.dcm')
    ds = base_dataset('jpeg2000.dcm', '1.2.840.10008.1.2.4.90')
    grey(ds, np.zeros((8, 8), np.uint16), 12)
    ds.PixelData = encapsulate([b'\xff\x4f\xff\x51' + b'\0' * 12])
    ds['PixelData'].is_undefined_length = True
    ds['PixelData'].VR = 'OB'
    save(ds, 'jpeg2000.dcm')

    # A labelled set: 4 patients x 2 images in nested folders, 8-bit, laterality L/R.
    set_dir = os.path.join(DICOM_DIR, 'set')
    rows, by_patient, by_sop = [], [], []
    set_pixels = {}
    for p in range(4):
        patient_id = f'PHI-PAT-{p + 1:04d}'
        label = 'disease' if p % 2 else 'normal'
        by_patient.append((patient_id, label))
        for k, side in enumerate('LR'):
            relative = f'patient{p + 1}/study/img{k + 1}.dcm'
            path = os.path.join(set_dir, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            ds = base_dataset(relative, ExplicitVRLittleEndian, patient_id, f'Secret^Patient{p + 1}')
            pixels = rng.integers(0, 256, size=(8, 8)).astype(np.uint8)
            grey(ds, pixels, 8)
            ds.ImageLaterality = side
            ds.save_as(path, write_like_original=False)
            rows.append((relative, label))
            by_sop.append((str(ds.SOPInstanceUID), label))
            set_pixels[relative] = flat(pixels / 255.0)
    with open(os.path.join(set_dir, 'labels.csv'), 'w') as f:
        f.write('file,label\n' + ''.join(f'{a},{b}\n' for a, b in rows))
    with open(os.path.join(set_dir, 'labels-by-patient.csv'), 'w') as f:
        f.write('PatientID,label\n' + ''.join(f'{a},{b}\n' for a, b in by_patient))
    with open(os.path.join(set_dir, 'labels-by-sop.csv'), 'w') as f:
        f.write('SOPInstanceUID,label\n' + ''.join(f'{a},{b}\n' for a, b in by_sop))
    expected['set'] = set_pixels
    expected['phi'] = [PHI_NAME, PHI_ID, PHI_BIRTH, PHI_STUDY_DATE, PHI_ACCESSION, PHI_INSTITUTION,
                       'Doe', 'PHI-PAT', 'Secret^Patient', 'Patient1', 'Hidden']

    with open(os.path.join(DICOM_DIR, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')


def make_nifti():
    shutil.rmtree(NIFTI_DIR, ignore_errors=True)
    os.makedirs(NIFTI_DIR)
    expected = {}
    # A 3D int16 volume (x=6, y=5, z=4) with scl_slope/inter, and the same as .nii.gz.
    volume = rng.integers(-500, 1500, size=(6, 5, 4)).astype(np.int16)
    image = nib.Nifti1Image(volume, np.diag([0.8, 0.9, 2.5, 1.0]))
    image.header.set_slope_inter(2.0, 10.0)
    nib.save(image, os.path.join(NIFTI_DIR, 'volume.nii'))
    nib.save(image, os.path.join(NIFTI_DIR, 'volume.nii.gz'))
    scaled = volume.astype(np.float64) * 2.0 + 10.0
    # gsa's slice image: rows follow the second remaining axis, columns the first.
    expected['volume'] = {
        'shape': list(volume.shape),
        'axis2_index1': flat(scaled[:, :, 1].T),
        'axis2_middle': flat(scaled[:, :, 2].T),  # middle of 4 = floor(4 / 2)
        'axis0_index3': flat(scaled[3, :, :].T),
        'axis1_index0': flat(scaled[:, 0, :].T),
    }
    # The same voxels stored in another orientation: voxel x runs posterior, y right,
    # z superior ('PRS'); gsa reorients to RAS as nibabel's as_closest_canonical.
    affine = np.array([[0, 0.9, 0, 0], [-0.8, 0, 0, 0], [0, 0, 2.5, 0], [0, 0, 0, 1]])
    turned = nib.Nifti1Image(volume, affine)
    turned.header.set_slope_inter(2.0, 10.0)
    nib.save(turned, os.path.join(NIFTI_DIR, 'volume-prs.nii.gz'))
    # From the saved file, so that scl_slope/scl_inter apply as they do in gsa.
    canonical = nib.as_closest_canonical(nib.load(os.path.join(NIFTI_DIR, 'volume-prs.nii.gz')))
    canon = np.asarray(canonical.dataobj, dtype=np.float64)
    expected['volume-prs'] = {
        'orientation': ''.join(nib.aff2axcodes(affine)),
        'canonical_shape': list(canon.shape),
        'axis2_middle': flat(canon[:, :, canon.shape[2] // 2].T),
        'axis0_index1': flat(canon[1, :, :].T),
    }
    # 2D float32 images (x=7, y=5) with a labels CSV.
    rows = []
    images = {}
    os.makedirs(os.path.join(NIFTI_DIR, 'images'))
    for k in range(4):
        plane = rng.normal(size=(7, 5)).astype(np.float32)
        name = f'slice{k + 1}.nii' if k % 2 == 0 else f'slice{k + 1}.nii.gz'
        # slice3.nii is written big-endian.
        header = nib.Nifti1Header(endianness='>' if k == 2 else '<')
        nib.save(nib.Nifti1Image(plane, np.eye(4), header), os.path.join(NIFTI_DIR, 'images', name))
        rows.append((f'images/{name}', 'b' if k % 2 else 'a'))
        images[f'images/{name}'] = flat(plane.T)
    with open(os.path.join(NIFTI_DIR, 'labels.csv'), 'w') as f:
        f.write('file,label\n' + ''.join(f'{a},{b}\n' for a, b in rows))
    expected['images'] = images
    # A 4D series (refused).
    nib.save(nib.Nifti1Image(np.zeros((3, 3, 2, 2), np.uint8), np.eye(4)), os.path.join(NIFTI_DIR, 'series4d.nii'))
    with open(os.path.join(NIFTI_DIR, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    make_dicom()
    make_nifti()
