import { execFileSync } from 'node:child_process';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type TrainSettings } from '../training/shared/types';
import { buildTrainingPackage, buildTrainPy, packageFileNames, pyLiteral } from './trainingPackage';

/** Settings where every value differs from the defaults, so each one is found by its own value. */
const SETTINGS: TrainSettings = {
  ...DEFAULT_SETTINGS,
  epochs: 37,
  batchSize: 24,
  learningRate: 0.00042,
  pretrainedRateScale: 0.3,
  optimizer: 'sgd',
  momentum: 0.85,
  validationSplit: 0.15,
  earlyStopping: { enabled: true, patience: 7 },
  classWeights: 'balanced',
  augmentation: { enabled: true, flip: false, rotation: 13, zoom: 0.17, brightness: 0.23, views: 3 },
  seed: 1234,
  preprocessing: '-1..1',
  resize: 'stretch',
};

const input = {
  modelName: 'Flowers',
  modelFile: 'Flowers.keras',
  keras: new Uint8Array([1, 2, 3]),
  settings: SETTINGS,
  labels: ['daisy', 'rose "red"'],
  inputSize: [224, 192] as [number, number],
  classes: [
    { name: 'daisy', files: ['a.jpg', 'b.jpg'] },
    { name: 'rose "red"', files: ['c.jpg'] },
  ],
};

let python: string | null = null;
try {
  execFileSync('python3', ['--version']);
  python = 'python3';
} catch {
  python = null;
}

describe('train.py', () => {
  const py = buildTrainPy(input);

  it('holds every training setting of the page', () => {
    const lines = [
      'EPOCHS = 37',
      'BATCH_SIZE = 24',
      'LEARNING_RATE = 0.00042',
      'PRETRAINED_RATE_SCALE = 0.3',
      'OPTIMIZER = "sgd"',
      'MOMENTUM = 0.85',
      'VALIDATION_SPLIT = 0.15',
      'SEED = 1234',
      'EARLY_STOPPING = True',
      'PATIENCE = 7',
      'CLASS_WEIGHTS = "balanced"',
      'AUGMENTATION = True',
      'FLIP = False',
      'ROTATION_DEGREES = 13',
      'ZOOM = 0.17',
      'BRIGHTNESS = 0.23',
      'RESIZE = "stretch"',
      'IMAGE_SIZE = (224, 192)',
      'MODEL_FILE = "Flowers.keras"',
      'CLASS_NAMES = ["daisy", "rose \\"red\\""]',
    ];
    for (const line of lines) expect(py, line).toContain(`\n${line}\n`);
    expect(py).toContain('(-1..1)');
    expect(py).toContain('keras.utils.image_dataset_from_directory');
    expect(py).toContain('tf.distribute.MirroredStrategy()');
    expect(py).toContain('tf.distribute.MultiWorkerMirroredStrategy()');
    expect(py).toContain('keras.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM)');
    expect(py).toContain('keras.callbacks.EarlyStopping(');
  });

  it.skipIf(!python)('parses as Python (python3 -c "import ast; ast.parse(...)")', () => {
    const out = execFileSync(
      python!,
      ['-c', 'import ast,sys; t = ast.parse(sys.stdin.read()); print(len(t.body))'],
      {
        input: py,
      },
    );
    expect(Number(String(out).trim())).toBeGreaterThan(10);
    // And with the defaults (everything off), too.
    const plain = buildTrainPy({ ...input, settings: DEFAULT_SETTINGS });
    expect(plain).toContain('EARLY_STOPPING = False');
    execFileSync(python!, ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], { input: plain });
  });

  it('fails a syntax check when broken (the check can fail)', () => {
    if (!python) {
      console.log('skipped: python3 is not on this machine');
      return;
    }
    expect(() =>
      execFileSync(python!, ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], {
        input: `${py}\n  def broken(:\n`,
        stdio: 'pipe',
      }),
    ).toThrow();
  });
});

describe('the training package zip', () => {
  it('holds the model, train.py, settings, manifest and README; images only when included', () => {
    const without = unzipSync(buildTrainingPackage(input));
    expect(Object.keys(without).sort()).toEqual([
      'Flowers.keras',
      'README.txt',
      'dataset_manifest.json',
      'settings.json',
      'train.py',
    ]);
    expect([...without['Flowers.keras']]).toEqual([1, 2, 3]);
    const manifest = JSON.parse(strFromU8(without['dataset_manifest.json'])) as {
      imagesIncluded: boolean;
      classes: { name: string; folder: string; files: string[] }[];
    };
    expect(manifest.imagesIncluded).toBe(false);
    expect(manifest.classes).toEqual([
      { name: 'daisy', folder: 'images/daisy', files: ['a.jpg', 'b.jpg'] },
      { name: 'rose "red"', folder: 'images/rose _red_', files: ['c.jpg'] },
    ]);
    const settings = JSON.parse(strFromU8(without['settings.json'])) as Record<string, unknown>;
    expect(settings).toMatchObject({
      epochs: 37,
      optimizer: 'sgd',
      labels: input.labels,
      inputShape: [224, 192, 3],
    });
    expect(strFromU8(without['README.txt'])).toMatch(/NOT included/);
    expect(strFromU8(without['README.txt'])).toMatch(/python train\.py --strategy multiworker/);

    const images = new Map([
      ['daisy/a.jpg', new Uint8Array([9])],
      ['daisy/b.jpg', new Uint8Array([8])],
      ['rose "red"/c.jpg', new Uint8Array([7])],
    ]);
    const withImages = unzipSync(buildTrainingPackage({ ...input, images }));
    expect(
      Object.keys(withImages)
        .filter((k) => k.startsWith('images/'))
        .sort(),
    ).toEqual(['images/daisy/a.jpg', 'images/daisy/b.jpg', 'images/rose _red_/c.jpg']);
    expect(JSON.parse(strFromU8(withImages['dataset_manifest.json'])).imagesIncluded).toBe(true);
  });

  it('gives images unique names with the stored type as extension', () => {
    expect(
      packageFileNames([
        { id: '1', name: 'a.png', type: 'image/jpeg' },
        { id: '2', name: 'a.jpg', type: 'image/jpeg' },
        { id: '3', name: 'x/y.jpg' },
      ]),
    ).toEqual(['a.jpg', 'a_1.jpg', 'x_y.jpg']);
  });

  it('writes Python literals', () => {
    expect(pyLiteral({ a: [true, false, null, 1.5, 'x'] })).toBe('{"a": [True, False, None, 1.5, "x"]}');
  });
});
