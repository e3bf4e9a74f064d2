import { describe, expect, it } from 'vitest';
import { chainGraph } from '../core/testGraphs';
import { createMemoryProjectDb, type ProjectDb } from '../project/projectDb';
import { useEditor } from './editorStore';
import { AUTOSAVE_MS, useProjects } from './projectStore';
import { useTraining } from './trainingStore';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('projects when storage is full', () => {
  it('says so in an alert and keeps what was saved before', async () => {
    const memory = createMemoryProjectDb();
    let full = false;
    const db: ProjectDb = {
      ...memory,
      write: (id, parts) =>
        full
          ? Promise.reject(Object.assign(new Error('quota'), { name: 'QuotaExceededError' }))
          : memory.write(id, parts),
    };
    await useProjects.getState().start(async () => {
      useEditor.getState().loadModel({
        id: 'builtin:test',
        title: 'Test',
        graph: chainGraph(),
        preprocessing: '0..1',
        inputSize: [8, 8],
        weights: { kind: 'buffers', manifest: [], buffers: {} },
      });
    }, db);
    useTraining.getState().setSettings({ epochs: 5 });
    await wait(AUTOSAVE_MS + 100);
    const id = useProjects.getState().currentId!;
    expect((await memory.read(id)).training?.settings.epochs).toBe(5);

    full = true;
    useTraining.getState().setSettings({ epochs: 9 });
    await wait(AUTOSAVE_MS + 100);
    const alerts = useEditor.getState().alerts.filter((a) => a.kind === 'error');
    expect(alerts.map((a) => a.message)).toEqual([
      expect.stringMatching(
        /^Storage is full: the latest changes to project "Project 1" could not be saved \(what was saved before is kept\)\. Delete projects you no longer need/,
      ),
    ]);
    expect((await memory.read(id)).training?.settings.epochs).toBe(5);
    // The page keeps the change, and saves it once there is room again.
    expect(useTraining.getState().settings.epochs).toBe(9);
    full = false;
    useTraining.getState().setSettings({ epochs: 10 });
    await wait(AUTOSAVE_MS + 100);
    expect((await memory.read(id)).training?.settings.epochs).toBe(10);
  });
});
