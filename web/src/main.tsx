import { render } from 'preact';
import './styles.css';
import { Routes } from './routes';

render(<Routes />, document.getElementById('app')!);
