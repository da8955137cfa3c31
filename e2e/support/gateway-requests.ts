/** Test support (not a test): the request a department agent sends to search another department's documents. */
export const CROSS_DEPT_QUERY = '/api/v1/cross-dept/query';

export function searchRequest(authorization: string, target: string, query = 'x'): RequestInit {
  return {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ target_department_id: target, query_type: 'search_documents', query_params: { query } }),
  };
}
