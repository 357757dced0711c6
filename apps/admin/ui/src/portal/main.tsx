import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import '../shared/styles.css';
import './portal.css';
import { Portal } from './portal';

render(<Portal />, document.getElementById('root')!);
