import { describe, expect, it } from 'vitest';
import { DEFAULT_DATASET_DB } from '../data/db';
import { chainGraph } from '../core/testGraphs';
import { useEditor } from './editorStore';
import { AUTOSAVE_MS, useProjects } from './projectStore';
import { useTraining } from './trainingStore';

// Node has no IndexedDB: the store must fall back to memory, say so once, and keep working.
describe('projects without IndexedDB', () => {
  it('makes the first project over the pre-project dataset, warns once, autosaves and switches projects', async () => {
    let opened = 0;
    const openDefault = async () => {
      opened++;
      const graph = chainGraph();
      useEditor.getState().loadModel({
        id: 'builtin:test',
        title: 'Test',
        graph,
        preprocessing: '0..1',
        inputSize: [8, 8],
        weights: { kind: 'buffers', manifest: [], buffers: {} },
      });
    };
    await useProjects.getState().start(openDefault);
    const { list, currentId, persistent } = useProjects.getState();
    expect(persistent).toBe(false);
    expect(list).toHaveLength(1);
    // Images stored before projects existed belong to the first project.
    expect(list[0]).toMatchObject({ name: 'Project 1', datasetDb: DEFAULT_DATASET_DB, id: currentId });
    expect(opened).toBe(1);
    const warnings = () =>
      useEditor
        .getState()
        .alerts.filter((a) => /Projects cannot be stored in this browser window/.test(a.message));
    expect(warnings()).toHaveLength(1);

    // An edit and a setting reach the (memory) store within the autosave delay.
    useTraining.getState().setSettings({ epochs: 7 });
    const g = useEditor.getState().graph!;
    useEditor.getState().commit('Rename', { ...g, name: 'edited' });
    await new Promise((r) => setTimeout(r, AUTOSAVE_MS + 100));
    const firstId = currentId!;

    await useProjects.getState().newProject();
    expect(useProjects.getState().list.map((p) => p.name)).toEqual(['Project 1', 'Project 2']);
    expect(useTraining.getState().settings.epochs).toBe(20);
    expect(useEditor.getState().graph?.name).toBe('chain');
    expect(useEditor.getState().history.past).toHaveLength(0);

    await useProjects.getState().open(firstId);
    expect(useTraining.getState().settings.epochs).toBe(7);
    expect(useEditor.getState().graph?.name).toBe('edited');
    // Undo still works on the restored history.
    useEditor.getState().undo();
    expect(useEditor.getState().graph?.name).toBe('chain');
    expect(warnings()).toHaveLength(1);

    expect(await useProjects.getState().rename(firstId, '  ')).toBe(false);
    expect(await useProjects.getState().rename(firstId, 'Project 2')).toBe(false);
    expect(await useProjects.getState().rename(firstId, 'Roses')).toBe(true);
    expect(useProjects.getState().list.find((p) => p.id === firstId)?.name).toBe('Roses');
  });
});
