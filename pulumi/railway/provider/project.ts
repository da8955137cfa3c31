import { changedKeys, gone, railwayFromEnv } from './env.ts';
import type { ResourceHandler } from './handler.ts';

export interface ProjectInputs {
  name: string;
  description: string;
}

export interface ProjectOutputs extends ProjectInputs {
  environmentId: string;
}

const KEYS: (keyof ProjectInputs)[] = ['name', 'description'];

/** Railway project: created (or adopted by name after a crash mid-create), updated in place, deleted. */
export const projectHandler: ResourceHandler<ProjectInputs, ProjectOutputs> = {
  async create(inputs) {
    const api = railwayFromEnv();
    // A create cut short by a crash leaves a project Pulumi never recorded; adopt it instead of making a second.
    const project =
      (await api.findProjectByName(inputs.name)) ?? (await api.createProject(inputs.name, inputs.description));
    if (project.description !== inputs.description)
      await api.updateProject(project.id, inputs.name, inputs.description);
    return { id: project.id, outs: { ...inputs, environmentId: project.environmentId } };
  },

  async read(id) {
    const project = await railwayFromEnv().getProject(id);
    if (!project) return gone();
    const props = { name: project.name, description: project.description ?? '', environmentId: project.environmentId };
    // Reporting what Railway has as the inputs too makes the next diff compare the program with reality.
    return { id, props, inputs: props };
  },

  async diff(_id, olds, news) {
    const changes = changedKeys(olds, news, KEYS);
    return { changes: changes.length > 0, replaces: [], deleteBeforeReplace: false };
  },

  async update(id, olds, news) {
    await railwayFromEnv().updateProject(id, news.name, news.description);
    return { outs: { ...news, environmentId: olds.environmentId } };
  },

  async delete(id) {
    await railwayFromEnv().deleteProject(id);
  },
};
