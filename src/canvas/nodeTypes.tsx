import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { runAction } from '../actions/manager';
import { toggleFreeze } from '../actions/freeze';
import { useEditor } from '../store/editorStore';
import { formatShape } from './format';

export type LayerNodeData = {
  name: string;
  className: string;
  shape: string;
  params: number;
  trainable: boolean;
  error?: string;
  isOutput: boolean;
  block?: string;
};

/** A padlock drawn inline: emoji fonts are missing on many Linux machines. */
function LockIcon({ locked }: { locked: boolean }) {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <rect
        x="3"
        y="7"
        width="10"
        height="8"
        rx="1.5"
        fill={locked ? '#4a5a72' : 'none'}
        stroke="#4a5a72"
        strokeWidth="1.5"
      />
      <path
        d={locked ? 'M5 7V5a3 3 0 0 1 6 0v2' : 'M5 7V5a3 3 0 0 1 6 0'}
        fill="none"
        stroke="#4a5a72"
        strokeWidth="1.5"
        transform={locked ? undefined : 'translate(3 -1)'}
      />
    </svg>
  );
}

export type BlockNodeData = {
  block: string;
  count: number;
  params: number;
  frozen: boolean;
  shape: string;
  firstLayer: string;
};

export type LayerFlowNode = Node<LayerNodeData, 'layer'>;
export type BlockFlowNode = Node<BlockNodeData, 'block'>;

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 84;

/** One layer: name, class, output shape, parameters and its freeze lock. */
export const LayerNodeView = memo(function LayerNodeView({ data, selected }: NodeProps<LayerFlowNode>) {
  const toggleCollapsed = useEditor((s) => s.toggleCollapsed);
  const focusLayer = useEditor((s) => s.focusLayer);
  return (
    <div
      className={`layer-node${selected ? ' selected' : ''}${data.trainable ? '' : ' frozen'}${data.error ? ' invalid' : ''}`}
      title={data.error ?? `${data.name} (${data.className})`}
    >
      <Handle type="target" position={Position.Top} />
      <div className="layer-node-head">
        <span className="layer-name">{data.name}</span>
        <button
          type="button"
          className="lock nodrag"
          aria-label={`Freeze ${data.name}`}
          aria-pressed={!data.trainable}
          title={data.trainable ? 'Trainable: click to freeze' : 'Frozen: click to unfreeze'}
          onClick={(e) => {
            e.stopPropagation();
            runAction(toggleFreeze, { name: data.name });
          }}
        >
          <LockIcon locked={!data.trainable} />
        </button>
      </div>
      <div className="layer-class">
        {data.className}
        {data.isOutput ? <span className="badge">output</span> : null}
        {data.block ? (
          <button
            type="button"
            className="collapse nodrag"
            aria-label={`Collapse ${data.block}`}
            onClick={(e) => {
              e.stopPropagation();
              toggleCollapsed(data.block!);
              focusLayer(`block:${data.block}`);
            }}
          >
            ▴
          </button>
        ) : null}
      </div>
      <div className="layer-meta">
        <span className="layer-shape">{data.shape}</span>
        <span className="layer-params">{data.params.toLocaleString('en-US')} params</span>
      </div>
      {data.error ? (
        <div className="layer-error" role="note">
          ⚠ {data.error}
        </div>
      ) : null}
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
});

/** A collapsed block of layers, expanded again with one click. */
export const BlockNodeView = memo(function BlockNodeView({ data }: NodeProps<BlockFlowNode>) {
  const toggleCollapsed = useEditor((s) => s.toggleCollapsed);
  const focusLayer = useEditor((s) => s.focusLayer);
  return (
    <div className={`layer-node block-node${data.frozen ? ' frozen' : ''}`}>
      <Handle type="target" position={Position.Top} />
      <div className="layer-node-head">
        <span className="layer-name">{data.block}</span>
        <button
          type="button"
          className="nodrag"
          aria-label={`Expand ${data.block}`}
          onClick={() => {
            toggleCollapsed(data.block);
            focusLayer(data.firstLayer);
          }}
        >
          ▾
        </button>
      </div>
      <div className="layer-class">Block of {data.count} layers</div>
      <div className="layer-meta">
        <span className="layer-shape">{data.shape}</span>
        <span className="layer-params">{data.params.toLocaleString('en-US')} params</span>
      </div>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
});

// Defined at module level so React Flow does not re-create node components on every render.
export const nodeTypes = { layer: LayerNodeView, block: BlockNodeView };

export { formatShape };
