/**
 * Renders this role's Handlebars templates (templates/*.hbs) through the
 * shared strict renderer: a missing variable is an error, never an empty
 * string, and nothing is HTML-escaped.
 */
import { renderTemplate } from '../../templates/render.js';

export function renderEfmTemplate(name: string, vars: object): string {
  return renderTemplate(`roles/efm/templates/${name}`, vars);
}
