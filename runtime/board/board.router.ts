import { createRouter } from '../http/router.js';
import { showBoard } from './board.handlers.js';
import { board, type BoardEnv } from './board.routes.js';

/** The wall board's data. Dependencies come from `c.var.board`. */
export const boardRouter = createRouter<BoardEnv>().openapi(board, showBoard);
