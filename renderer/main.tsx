import { createRoot } from 'react-dom/client';
import { getBooth } from './bridge';

function App() {
  return <h1>Welcome</h1>;
}
getBooth();
createRoot(document.getElementById('root')!).render(<App />);
